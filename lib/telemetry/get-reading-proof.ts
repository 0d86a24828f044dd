import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { proveReading, type TInclusionProof } from '@/lib/ingest/prove-reading';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TReadingProofView {
  reading: { id: string; deviceId: string; sensorId: string | null; valueText: string; unit: string | null; deviceTs: string; receivedAt: string; flags: string[] };
  proof: TInclusionProof;
}

/** One reading with its inclusion proof, for the readable proof page (the JSON is the same proof). */
export async function getReadingProof(db: TDb, user: TCurrentUser, id: string): Promise<TReadingProofView> {
  // Authority first: a refused caller learns nothing about which ids exist.
  requirePermission(user, 'telemetry.read');
  if (!/^\d{1,18}$/.test(id)) throw new AppError('NOT_FOUND', 'No reading with this id');
  const r = await db.telemetry.findFirst({
    where: { id: BigInt(id) },
    select: { id: true, deviceId: true, sensorId: true, valueText: true, unit: true, deviceTs: true, receivedAt: true, flags: true },
  });
  if (!r) throw new AppError('NOT_FOUND', `No reading with id ${id}`);
  const proof = await proveReading(db, BigInt(id));
  return {
    reading: { id: r.id.toString(), deviceId: r.deviceId, sensorId: r.sensorId, valueText: r.valueText, unit: r.unit, deviceTs: r.deviceTs, receivedAt: r.receivedAt.toISOString(), flags: r.flags },
    proof,
  };
}
