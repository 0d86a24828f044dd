import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { raiseAlert } from '@/lib/alerts/raise-alert';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { backupDir } from '@/lib/backup/config';
import { withBackupLock } from '@/lib/backup/lock';
import { openBackup } from '@/lib/backup/open-backup';
import { checkScratch, dropScratch, restoreIntoScratch, scratchName, type TScratchCheck } from '@/lib/backup/restore-scratch';
import { ownerDatabaseUrl } from '@/lib/config/database-url';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

export interface TDrillResult {
  drillId: string;
  backupId: string;
  fileName: string;
  ok: boolean;
  reason: string | null;
  check: TScratchCheck | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/**
 * Annex 11 §7.2: the ability to restore is checked periodically. Restores a backup (the newest
 * one not pruned, or `backupId`) into a throwaway database, verifies the manifest, every chunk,
 * the whole chain and its head against the manifest, then drops it. The result is recorded (drill
 * row, backup status, `backup.drill` event); a failure raises an alert.
 */
export async function runDrill(
  db: TDb,
  opts: {
    actor: TAuditActor;
    backupId?: string;
    ownerUrl?: string;
    /** The caller holds the backup lock already (the scheduler). */
    locked?: boolean;
    /** The scheduled (weekly) drill this is, ISO time of its slot, recorded in `backup.drill`. */
    scheduledFor?: string;
  },
): Promise<TDrillResult> {
  const backup = await db.backup.findFirst({
    where: opts.backupId ? { id: opts.backupId } : { status: { not: 'pruned' } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    select: { id: true, fileName: true, manifestHash: true, engine: true, status: true },
  });
  if (!backup) throw new AppError('NOT_FOUND', opts.backupId ? 'No such backup' : 'There is no backup to drill');
  if (backup.status === 'pruned') throw new AppError('CONFLICT', 'This backup was pruned; its file is gone');
  const ownerUrl = opts.ownerUrl ?? ownerDatabaseUrl();
  const started = new Date();
  const drillId = randomUUID();

  const underLock = <T>(fn: () => Promise<T>) => (opts.locked ? fn() : withBackupLock(ownerUrl, backupDir(), fn));
  const outcome = await underLock(async () => {
    let check: TScratchCheck | null = null;
    let reason: string | null = null;
    try {
      const b = await openBackup(backup.fileName, Buffer.from(backup.manifestHash).toString('hex'));
      const target = b.manifest.engine === 'postgres' ? { ownerUrl, database: scratchName('custos_drill') } : { dir: await mkdtemp(path.join(tmpdir(), 'custos-drill-')) };
      const open = await restoreIntoScratch(b, target);
      try {
        check = await checkScratch(open.client, b, open.plaintextBytes);
        reason = check.reason;
      } finally {
        await open.close();
        await dropScratch(open.scratch, ownerUrl);
      }
    } catch (e) {
      reason = (e as Error).message;
    }
    return { check, reason };
  });

  const finished = new Date();
  const ok = outcome.reason === null;
  const result: TDrillResult = {
    drillId,
    backupId: backup.id,
    fileName: backup.fileName,
    ok,
    reason: outcome.reason,
    check: outcome.check,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
  };
  const summary = {
    ok,
    reason: outcome.reason,
    fileName: backup.fileName,
    manifestHash: Buffer.from(backup.manifestHash).toString('hex'),
    events: outcome.check?.chain.count ?? null,
    headSeq: outcome.check?.chain.headSeq ?? null,
    headHash: outcome.check?.chain.headHash ?? null,
    headMatchesManifest: outcome.check?.headMatchesManifest ?? false,
    signaturesChecked: outcome.check?.signaturesChecked ?? null,
    durationMs: result.durationMs,
    ...(opts.scheduledFor ? { scheduledFor: opts.scheduledFor } : {}),
  };
  await db.$transaction(async (tx) => {
    await tx.backupDrill.create({
      data: { id: drillId, backupId: backup.id, startedAt: started, finishedAt: finished, ok, actorId: opts.actor.id, result: summary },
      select: { id: true },
    });
    await tx.backup.update({
      where: { id: backup.id },
      data: ok ? { status: 'verified', verifiedAt: finished } : { status: 'failed' },
      select: { id: true },
    });
    await appendAudit(tx, [
      {
        actor: opts.actor,
        action: 'backup.drill',
        entityType: 'Backup',
        entityId: backup.id,
        newValue: { drillId, ...summary },
        reason: ok ? null : outcome.reason,
        contextRef: `Backup:${backup.id}/drill:${drillId}`,
      },
    ]);
    if (!ok) {
      await raiseAlert(tx, {
        kind: 'backup_drill_failed',
        dedupKey: `backup_drill_failed:${drillId}`,
        detail: { backupId: backup.id, drillId, fileName: backup.fileName, reason: outcome.reason },
        entity: { type: 'Backup', id: backup.id },
        reason: `restore drill of ${backup.fileName} failed: ${outcome.reason}`,
      });
    }
  });
  return result;
}
