import type pg from 'pg';
import type { TAuditFilter } from '@/lib/audit/audit-filter';
import type { TDb } from '@/lib/db/client';

// Whether a date filter on a chain may be answered as a seq range (audit-sql.ts, timeAsSeq).
// Since migration 20261122060000_audit_time_order a trigger keeps occurred_at non-decreasing
// along every chain. Events written before it may hold a stretch out of order; such a chain has
// one row in audit_chain_time_order, written by that migration and never changed (triggers
// refuse it), so what is read here is kept for the life of the connection's client.

interface TTimeOrder {
  /** Latest time of the events before the ordered part; null: the whole chain is in order. */
  earlierMaxOccurredAt: Date | null;
}

const known = new WeakMap<object, Map<string, TTimeOrder>>();

async function timeOrder(owner: object, chainId: string, read: () => Promise<Date | null>): Promise<TTimeOrder> {
  let chains = known.get(owner);
  if (!chains) known.set(owner, (chains = new Map()));
  let o = chains.get(chainId);
  if (!o) {
    o = { earlierMaxOccurredAt: await read() };
    chains.set(chainId, o);
  }
  return o;
}

function answersAsSeq(o: TTimeOrder, f: TAuditFilter): boolean {
  if (!f.from && !f.to) return false;
  // Every event before the ordered part is dated at or before earlierMaxOccurredAt: a range
  // starting later cannot contain one.
  return o.earlierMaxOccurredAt === null || (f.from !== undefined && new Date(f.from) > o.earlierMaxOccurredAt);
}

/** For queries through Prisma (the viewer). */
export async function dateRangeIsSeqRange(db: TDb, chainId: string, f: TAuditFilter): Promise<boolean> {
  if (!f.from && !f.to) return false;
  const o = await timeOrder(db, chainId, async () => {
    const rows = await db.$queryRaw<Array<{ at: Date }>>`SELECT earlier_max_occurred_at AS at FROM audit_chain_time_order WHERE chain_id = ${chainId}`;
    return rows[0]?.at ?? null;
  });
  return answersAsSeq(o, f);
}

/** For queries through node-postgres (the exports). */
export async function dateRangeIsSeqRangePg(client: pg.ClientBase, chainId: string, f: TAuditFilter): Promise<boolean> {
  if (!f.from && !f.to) return false;
  const o = await timeOrder(client, chainId, async () => {
    const { rows } = await client.query<{ at: Date }>('SELECT earlier_max_occurred_at AS at FROM audit_chain_time_order WHERE chain_id = $1', [chainId]);
    return rows[0]?.at ?? null;
  });
  return answersAsSeq(o, f);
}
