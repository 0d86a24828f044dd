import { SYSTEM_CLI } from '@/lib/audit/events';
import { createBackup } from '@/lib/backup/create-backup';
import { listBackups } from '@/lib/backup/list-backups';
import { BackupRefused, openBackup, verifyBackupFile } from '@/lib/backup/open-backup';
import { backupDir } from '@/lib/backup/config';
import { withBackupLock } from '@/lib/backup/lock';
import { pruneBackups } from '@/lib/backup/prune-backups';
import { runDrill } from '@/lib/backup/run-drill';
import { scheduleState } from '@/lib/backup/schedule';
import { ownerDatabaseUrl } from '@/lib/config/database-url';
import { UsageError, parseFlags } from './args';
import { print, withDb } from './context';

export const BACKUP_USAGE = `  backup create                    encrypted backup of the whole database into CUSTOS_BACKUP_DIR (audited)
  backup list [--limit N]          backups, newest first: status, size, chain head, last drill
  backup verify --id ID            check the manifest signature and decrypt every chunk (restores nothing)
  backup drill [--id ID]           restore the newest backup (or ID) into a throwaway database and verify the chain (audited)
  backup restore --id ID           show what a restore of ID needs: a backup.restore change request with its manifest hash
  backup prune                     remove backups older than CUSTOS_BACKUP_RETENTION_DAYS now (audited; never the newest verified one)
  backup schedule                  when the worker backs up and drills next (CUSTOS_BACKUP_SCHEDULE, CUSTOS_BACKUP_DRILL_DAY)`;

export async function backupCommand(verb: string | undefined, rest: string[]): Promise<number> {
  if (verb === 'create') {
    const f = parseFlags(rest, {});
    const r = await withDb((db) => createBackup(db, { actor: SYSTEM_CLI }));
    print({ json: Boolean(f.json) }, r, `backup ${r.fileName}: ${r.size} bytes, chain head seq ${r.manifest.chain.head_seq}, manifest ${r.manifestHash} (audit seq ${r.auditSeq})`);
    return 0;
  }
  if (verb === 'list') {
    const f = parseFlags(rest, { limit: { type: 'string' } });
    const r = await withDb((db) => listBackups(db, { pageSize: Number(f.limit ?? 50) || 50 }));
    const text = r.rows.length
      ? r.rows.map((b) => `${b.id}\t${b.createdAt.toISOString()}\t${b.status}\t${b.sizeBytes} B\thead ${b.headSeq}\t${b.fileName}\tdrill ${b.lastDrill ? (b.lastDrill.ok ? 'ok' : 'FAILED') : '-'}`).join('\n')
      : 'no backups';
    print({ json: Boolean(f.json) }, r, `${text}${r.drillOverdue ? '\nDRILL OVERDUE' : ''}`);
    return 0;
  }
  if (verb === 'verify') {
    const f = parseFlags(rest, { id: { type: 'string' } }, ['id']);
    const row = await withDb((db) => db.backup.findUnique({ where: { id: String(f.id) }, select: { fileName: true, manifestHash: true } }));
    if (!row) throw new UsageError(`no backup ${String(f.id)}`);
    try {
      const b = await openBackup(row.fileName, Buffer.from(row.manifestHash).toString('hex'));
      const v = await verifyBackupFile(b);
      print({ json: Boolean(f.json) }, { ok: true, file: row.fileName, ...v }, `OK ${row.fileName}: manifest signature, ${v.plaintextBytes} bytes decrypted and authenticated, SHA-256 matches`);
      return 0;
    } catch (e) {
      if (!(e instanceof BackupRefused)) throw e;
      print({ json: Boolean(f.json) }, { ok: false, file: row.fileName, reason: e.message }, `REFUSED ${e.message}`);
      return 1;
    }
  }
  if (verb === 'drill') {
    const f = parseFlags(rest, { id: { type: 'string' } });
    const r = await withDb((db) => runDrill(db, { actor: SYSTEM_CLI, backupId: f.id as string | undefined }));
    print({ json: Boolean(f.json) }, r, r.ok ? `DRILL OK ${r.fileName}: ${r.check?.chain.count} events verified, head seq ${r.check?.chain.headSeq} matches the manifest (${r.durationMs} ms)` : `DRILL FAILED ${r.fileName}: ${r.reason}`);
    return r.ok ? 0 : 1;
  }
  if (verb === 'restore') {
    // A restore is never done from the command line alone: it is a change request approved by
    // two people besides the requester (Backup page → Request restore).
    const f = parseFlags(rest, { id: { type: 'string' } }, ['id']);
    const row = await withDb((db) => db.backup.findUnique({ where: { id: String(f.id) }, select: { id: true, fileName: true, manifestHash: true, status: true } }));
    if (!row) throw new UsageError(`no backup ${String(f.id)}`);
    const out = { kind: 'backup.restore', payload: { backupId: row.id, manifestHash: Buffer.from(row.manifestHash).toString('hex') }, status: row.status };
    print({ json: Boolean(f.json) }, out, `restore of ${row.fileName} needs a backup.restore change request with backupId ${row.id} and manifestHash ${out.payload.manifestHash}, approved by two administrators other than the requester (Backup page)`);
    return 0;
  }
  if (verb === 'prune') {
    const f = parseFlags(rest, {});
    // Under the backup lock: never while a drill or restore reads a file it would remove.
    const r = await withDb((db) => withBackupLock(ownerDatabaseUrl(), backupDir(), () => pruneBackups(db, { actor: SYSTEM_CLI })));
    print({ json: Boolean(f.json) }, r, `pruned ${r.pruned.length} backup(s)${r.kept ? `; newest verified kept: ${r.kept}` : ''}`);
    return 0;
  }
  if (verb === 'schedule') {
    const f = parseFlags(rest, {});
    const s = await withDb((db) => scheduleState(db));
    const when = (due: boolean, at: Date | null) => (at === null ? 'off' : due ? 'due now (the worker runs it at its next check)' : at.toISOString());
    print(
      { json: Boolean(f.json) },
      s,
      s.schedule.minuteOfDay === null
        ? 'scheduled backups are off (CUSTOS_BACKUP_SCHEDULE=off)'
        : `backups ${s.schedule.text}\nnext backup: ${when(s.backupDue, s.nextBackupAt)}\nnext drill:  ${when(s.drillDue, s.nextDrillAt)}`,
    );
    return 0;
  }
  throw new UsageError(`unknown command: backup ${verb ?? ''}`.trim());
}
