import { stateHash, type TBrokerState, ZBrokerState } from '@/lib/broker/dynsec-model';
import type { TDb, TTx } from '@/lib/db/client';

export interface TBaseline {
  revision: number;
  state: TBrokerState;
  hash: string;
  changeRequestId: string | null;
  recordedAt: Date;
}

/** The newest approved broker configuration, or null before the first approved change. */
export async function currentBaseline(db: TDb | TTx): Promise<TBaseline | null> {
  const row = await db.brokerBaseline.findFirst({ orderBy: { revision: 'desc' }, select: { revision: true, state: true, stateHash: true, changeRequestId: true, recordedAt: true } });
  if (!row) return null;
  return { revision: Number(row.revision), state: ZBrokerState.parse(row.state), hash: Buffer.from(row.stateHash).toString('hex'), changeRequestId: row.changeRequestId, recordedAt: row.recordedAt };
}

export async function recordBaseline(tx: TTx, state: TBrokerState, changeRequestId: string): Promise<number> {
  const row = await tx.brokerBaseline.create({ data: { state: state as object, stateHash: new Uint8Array(stateHash(state)), changeRequestId }, select: { revision: true } });
  return Number(row.revision);
}
