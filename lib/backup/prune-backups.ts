import { rm } from 'node:fs/promises';
import path from 'node:path';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { backupDir, retentionDays } from '@/lib/backup/config';
import type { TDb } from '@/lib/db/client';

/**
 * Removes backups older than the retention period. Never the newest verified one (the last
 * backup a drill proved restorable), whatever its age: a site must always keep one backup it
 * knows it can restore. Each removal is an audit event, committed before the file goes.
 */
export async function pruneBackups(db: TDb, opts: { actor: TAuditActor; now?: Date; days?: number }): Promise<{ pruned: string[]; kept: string | null }> {
  const days = opts.days ?? retentionDays();
  const cutoff = new Date((opts.now ?? new Date()).getTime() - days * 86_400_000);
  const lastVerified = await db.backup.findFirst({
    where: { status: 'verified' },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true },
  });
  const old = await db.backup.findMany({
    where: { status: { not: 'pruned' }, createdAt: { lt: cutoff }, ...(lastVerified ? { id: { not: lastVerified.id } } : {}) },
    orderBy: { createdAt: 'asc' },
    select: { id: true, fileName: true, createdAt: true, status: true, manifestHash: true },
  });
  const pruned: string[] = [];
  for (const b of old) {
    await db.$transaction(async (tx) => {
      const [ev] = await appendAudit(tx, [
        {
          actor: opts.actor,
          action: 'backup.pruned',
          entityType: 'Backup',
          entityId: b.id,
          oldValue: { status: b.status },
          newValue: { status: 'pruned', file: b.fileName, createdAt: b.createdAt.toISOString(), manifestHash: Buffer.from(b.manifestHash).toString('hex') },
          reason: `older than the retention period of ${days} days`,
          contextRef: `Backup:${b.id}`,
        },
      ]);
      await tx.backup.update({ where: { id: b.id }, data: { status: 'pruned', prunedAt: new Date(ev.occurredAt) }, select: { id: true } });
    });
    const file = path.join(backupDir(), b.fileName);
    await rm(file, { force: true });
    await rm(`${file}.manifest.json`, { force: true });
    pruned.push(b.id);
  }
  return { pruned, kept: lastVerified?.id ?? null };
}
