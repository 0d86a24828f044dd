import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { leafHash, merkleProof, merkleRoot, verifyProof, type TProofStep } from '@/lib/ingest/merkle';

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
  valid: boolean;
}

/** Proves one reading's inclusion in its batch's Merkle root, which is in the audit chain. */
export async function proveReading(db: TDb, telemetryId: bigint): Promise<TInclusionProof> {
  const row = await db.telemetry.findFirst({ where: { id: telemetryId }, select: { batchId: true, raw: true, rawSha256: true } });
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
    rootInAudit: Boolean(audit?.canonical.includes(`"merkleRoot":"${root.toString('hex')}"`)),
    valid: verifyProof(leaves[index], proof, root) && merkleRoot(leaves).equals(root) && recomputed === Buffer.from(row.rawSha256).toString('hex'),
  };
}
