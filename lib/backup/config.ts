import path from 'node:path';

// Where backups go and how long they stay (README, "Backups"). A NAS is a mounted directory.

export function backupDir(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(/*turbopackIgnore: true*/ env.CUSTOS_BACKUP_DIR || path.join(env.CUSTOS_DATA_DIR || 'data', 'backups'));
}

export function retentionDays(env: Record<string, string | undefined> = process.env): number {
  const n = Number(env.CUSTOS_BACKUP_RETENTION_DAYS ?? 90);
  if (!Number.isInteger(n) || n < 1) throw new Error('CUSTOS_BACKUP_RETENTION_DAYS must be a whole number of days, at least 1');
  return n;
}

/** A drill older than this (or none) is overdue: the weekly drill did not run. */
export const DRILL_OVERDUE_DAYS = 8;

export const BACKUP_ACTOR = { type: 'system' as const, id: 'system:backup', name: 'Custos backup' };
