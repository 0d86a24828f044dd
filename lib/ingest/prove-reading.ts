import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { DeviceKeyStore } from '@/lib/ingest/key-store';
import { leafHash, merkleProof, merkleRoot, verifyProof, type TProofStep } from '@/lib/ingest/merkle';
import { rfc3339UtcMicros } from '@/lib/ingest/rfc3339';
import { storedValue, verifyInbound } from '@/lib/ingest/verify-inbound';

export interface TInclusionProof {
  telemetryId: string;
  batchId: string;
  leaf: string;
  rawSha256: string;
  rawSha256Recomputed: string;
  index: number;
  proof: TProofStep[];
  merkleRoot: string;
  auditSeq: string;
  auditChainId: string;
  rootInAudit: boolean;
  /** The displayed fields re-derived from the raw payload (the bytes the proof binds) and compared with the stored ones. */
  derived: { format: string | null; signature: string; fields: Array<{ field: string; stored: string | null; derived: string | null; equal: boolean }> };
  /** Every field shown equals what the raw payload says, and its signature verifies. */
  fieldsMatch: boolean;
  valid: boolean;
  /** Why the reading is NOT PROVEN, in words (empty when proven). */
  reasons: string[];
}

type TStored = {
  raw: string;
  deviceId: string;
  sensorId: string | null;
  format: string;
  valueText: string;
  value: number;
  unit: string | null;
  deviceTs: string;
  deviceTime: Date | null;
  /** device_time at the microsecond it is stored with (a Date holds milliseconds). */
  deviceTimeUtc: string | null;
  gatewaySeq: bigint | null;
};

/**
 * The fields people see, from the raw payload: parsed and verified exactly as at ingestion
 * (signature included, with the key store as it is now), then compared with the stored columns.
 */
async function deriveFromRaw(db: TDb, row: TStored): Promise<TInclusionProof['derived']> {
  const keys = new DeviceKeyStore(db);
  await keys.load();
  const v = verifyInbound({ source: 'mqtt', topic: null, raw: Buffer.from(row.raw, 'utf8'), receivedAt: new Date() }, keys, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!v.ok) return { format: null, signature: `${v.rejected.reason}: ${v.rejected.detail}`, fields: [] };
  const r = v.reading;
  const value = storedValue(r.valueText);
  const pairs: Array<[string, string | null, string | null]> = [
    ['device', row.deviceId, r.deviceId],
    ['sensor', row.sensorId, r.sensorId],
    ['format', row.format, r.format],
    ['value_text', row.valueText, r.valueText],
    ['value', String(row.value), value === null ? null : String(value)],
    ['unit', row.unit, r.unit],
    ['device_ts', row.deviceTs, r.deviceTs],
    ['device_time', row.deviceTimeUtc, rfc3339UtcMicros(r.deviceTs)],
    ['gateway_seq', row.gatewaySeq?.toString() ?? null, r.gatewaySeq?.toString() ?? null],
  ];
  return { format: r.format, signature: 'valid', fields: pairs.map(([field, stored, derived]) => ({ field, stored, derived, equal: stored === derived })) };
}

/** Proves one reading's inclusion in its batch's Merkle root, which is in the audit chain, and that what is shown is what was signed. */
export async function proveReading(db: TDb, telemetryId: bigint): Promise<TInclusionProof> {
  const row = await db.telemetry.findFirst({
    where: { id: telemetryId },
    select: { batchId: true, raw: true, rawSha256: true, deviceId: true, sensorId: true, format: true, valueText: true, value: true, unit: true, deviceTs: true, deviceTime: true, gatewaySeq: true },
  });
  if (!row) throw new AppError('NOT_FOUND', `No reading with id ${telemetryId}`);
  const [batch, members] = await Promise.all([
    db.telemetryBatch.findUnique({ where: { id: row.batchId }, select: { merkleRoot: true, auditSeq: true, auditChainId: true } }),
    db.telemetry.findMany({ where: { batchId: row.batchId }, orderBy: { id: 'asc' }, select: { id: true, rawSha256: true } }),
  ]);
  if (!batch) throw new AppError('NOT_FOUND', `Batch ${row.batchId} is missing`);
  const leaves = members.map((m) => leafHash(m.id, m.rawSha256));
  const index = members.findIndex((m) => m.id === telemetryId);
  const proof = merkleProof(leaves, index);
  const root = Buffer.from(batch.merkleRoot);
  const audit = await db.auditEvent.findUnique({ where: { chainId_seq: { chainId: batch.auditChainId, seq: batch.auditSeq } }, select: { canonical: true } });
  const recomputed = (await import('node:crypto')).createHash('sha256').update(row.raw, 'utf8').digest('hex');
  const [{ t: deviceTimeUtc }] = await db.$queryRaw<Array<{ t: string | null }>>`
    SELECT to_char(device_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS t FROM telemetry WHERE id = ${telemetryId}`;
  const derived = await deriveFromRaw(db, { ...row, deviceTimeUtc });
  const fieldsMatch = derived.signature === 'valid' && derived.fields.every((f) => f.equal);
  const included = verifyProof(leaves[index], proof, root) && merkleRoot(leaves).equals(root) && recomputed === Buffer.from(row.rawSha256).toString('hex');
  const rootInAudit = Boolean(audit?.canonical.includes(`"merkleRoot":"${root.toString('hex')}"`));
  const reasons: string[] = [];
  if (recomputed !== Buffer.from(row.rawSha256).toString('hex')) reasons.push('the raw payload does not hash to its stored SHA-256');
  else if (!included) reasons.push('the reading is not included in its batch’s Merkle root');
  if (!rootInAudit) reasons.push(`the batch’s Merkle root is not in audit event seq ${batch.auditSeq}`);
  if (derived.signature !== 'valid') reasons.push(`the raw payload does not verify (${derived.signature})`);
  for (const f of derived.fields.filter((x) => !x.equal)) reasons.push(`${f.field} shows ${JSON.stringify(f.stored)}, the signed payload says ${JSON.stringify(f.derived)}`);
  return {
    telemetryId: telemetryId.toString(),
    batchId: row.batchId.toString(),
    leaf: leaves[index].toString('hex'),
    rawSha256: Buffer.from(row.rawSha256).toString('hex'),
    rawSha256Recomputed: recomputed,
    index,
    proof,
    merkleRoot: root.toString('hex'),
    auditSeq: batch.auditSeq.toString(),
    auditChainId: batch.auditChainId,
    rootInAudit,
    derived,
    fieldsMatch,
    valid: included && fieldsMatch,
    reasons,
  };
}
