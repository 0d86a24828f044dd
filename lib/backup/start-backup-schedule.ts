import { runQueuedRestores } from '@/lib/backup/restore-backup';
import { checkBackupOverdue, parseBackupSchedule, runBackupSchedule } from '@/lib/backup/schedule';
import type { TDb } from '@/lib/db/client';

/**
 * The worker's backup duty (and so `npm start`'s): every CUSTOS_BACKUP_CHECK_S (default 60)
 * approved restores queued for the worker are carried out (lib/backup/restore-backup.ts), the
 * schedule is checked (lib/backup/schedule.ts) and the overdue alerts evaluated. A check is
 * never overlapped by the next; several workers share the work through the backup lock.
 */
export function startBackupSchedule(db: TDb, opts: { ownerUrl: string; env?: NodeJS.ProcessEnv; log?: (line: string) => void }): { stop(): Promise<void> } {
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const schedule = parseBackupSchedule(env); // a wrong setting stops the start, not the first night
  log(`backups: ${schedule.minuteOfDay === null ? 'scheduled backups off (CUSTOS_BACKUP_SCHEDULE=off)' : schedule.text}`);
  let busy: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    if (busy) return;
    busy = (async () => {
      await runQueuedRestores(db, { ownerUrl: opts.ownerUrl, log }); // approved, too large to restore inside the approval
      await runBackupSchedule(db, { ownerUrl: opts.ownerUrl, env, log });
      await checkBackupOverdue(db, { env });
    })()
      .catch((e: Error) => log(`backup schedule failed: ${e.message}`))
      .finally(() => {
        busy = null;
      });
  }, Number(env.CUSTOS_BACKUP_CHECK_S || 60) * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await busy;
    },
  };
}
