import type { TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/** A restore request must name a backup in the catalogue, by the manifest hash it has now. */
export async function backupLabel(tx: TTx, p: { backupId: string; manifestHash: string }): Promise<string> {
  const b = await tx.backup.findUnique({ where: { id: p.backupId }, select: { fileName: true, manifestHash: true, status: true, headSeq: true } });
  if (!b) throw new AppError('BAD_REQUEST', 'Unknown backup', { backupId: 'unknown' });
  if (b.status === 'pruned') throw new AppError('CONFLICT', 'This backup was pruned; its file is gone', { backupId: 'pruned' });
  if (Buffer.from(b.manifestHash).toString('hex') !== p.manifestHash) throw new AppError('BAD_REQUEST', 'The manifest hash is not the one of this backup', { manifestHash: 'mismatch' });
  return `backup ${b.fileName} (chain head seq ${b.headSeq})`;
}
