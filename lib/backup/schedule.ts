import { raiseAlert, type TRaiseAlert } from '@/lib/alerts/raise-alert';
import { appendAudit } from '@/lib/audit/append-audit';
import { defaultChainId } from '@/lib/audit/chain-id';
import { BACKUP_ACTOR, backupDir, DRILL_OVERDUE_DAYS, retentionDays } from '@/lib/backup/config';
import { createBackup } from '@/lib/backup/create-backup';
import { withBackupLock } from '@/lib/backup/lock';
import { isDrillOverdue } from '@/lib/backup/list-backups';
import { pruneBackups } from '@/lib/backup/prune-backups';
import { runDrill } from '@/lib/backup/run-drill';
import type { TDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';

// When backups and restore drills run by themselves (Annex 11 §7.2: regular back-ups, restore
// checked periodically). CUSTOS_BACKUP_SCHEDULE is `HH:MM` (UTC, daily; default 02:00) or `off`;
// the weekly drill runs right after the backup of CUSTOS_BACKUP_DRILL_DAY (default sun). The
// worker (and so `npm start`) checks every minute; a slot missed while Custos was stopped runs at
// the next check. What ran for which slot is read back from the audit chain (`scheduledFor` in
// backup.created / backup.failed / backup.drill), so every process agrees, and the whole run holds
// the backup lock (one at a time across processes; the due check is repeated under it).

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const DAY = 86_400_000;
/** A daily backup is overdue when the newest good one is older than a day and this grace. */
export const BACKUP_OVERDUE_GRACE_H = 2;

export interface TBackupSchedule {
  /** Minutes after 00:00 UTC, or null when scheduled backups are off. */
  minuteOfDay: number | null;
  drillDay: number;
  text: string;
}

export function parseBackupSchedule(env: Record<string, string | undefined> = process.env): TBackupSchedule {
  const raw = (env.CUSTOS_BACKUP_SCHEDULE || '02:00').trim();
  const dayRaw = (env.CUSTOS_BACKUP_DRILL_DAY || 'sun').trim().toLowerCase().slice(0, 3);
  const drillDay = DAYS.indexOf(dayRaw as (typeof DAYS)[number]);
  if (drillDay < 0) throw new Error(`CUSTOS_BACKUP_DRILL_DAY must be a day of the week (sun … sat), not ${env.CUSTOS_BACKUP_DRILL_DAY}`);
  if (raw === 'off') return { minuteOfDay: null, drillDay, text: 'off' };
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(raw);
  if (!m) throw new Error(`CUSTOS_BACKUP_SCHEDULE must be HH:MM (UTC, daily) or off, not ${raw}`);
  const dayName = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'][drillDay];
  return { minuteOfDay: Number(m[1]) * 60 + Number(m[2]), drillDay, text: `daily at ${raw} UTC; restore drill weekly on ${dayName} after the backup` };
}

/** The newest backup slot at or before `now`. */
export function backupSlot(now: Date, s: TBackupSchedule): Date | null {
  if (s.minuteOfDay === null) return null;
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const today = midnight + s.minuteOfDay * 60_000;
  return new Date(today <= now.getTime() ? today : today - DAY);
}

/** The newest weekly drill slot (the backup slot of the drill day) at or before `now`. */
export function drillSlot(now: Date, s: TBackupSchedule): Date | null {
  const b = backupSlot(now, s);
  if (!b) return null;
  const back = (b.getUTCDay() - s.drillDay + 7) % 7;
  return new Date(b.getTime() - back * DAY);
}

export interface TScheduleState {
  schedule: TBackupSchedule;
  backupDue: boolean;
  drillDue: boolean;
  /** When the next scheduled backup / drill runs (`now` when one is due and waits for the next check). */
  nextBackupAt: Date | null;
  nextDrillAt: Date | null;
  /** The newest slot at or before `now` (the one that is due, when due). */
  backupSlot: Date | null;
  drillSlot: Date | null;
  lastScheduledBackup: { slot: string; ok: boolean; at: Date } | null;
  lastScheduledDrill: { slot: string; ok: boolean; at: Date } | null;
}

async function lastScheduled(db: TDb, chainId: string, actions: string[]): Promise<{ slot: string; ok: boolean; at: Date } | null> {
  const [r] = await db.$queryRaw<Array<{ slot: string; action: string; ok: string | null; at: Date }>>`
    SELECT new_value->>'scheduledFor' AS slot, action, new_value->>'ok' AS ok, occurred_at AS at FROM audit_events
    WHERE chain_id = ${chainId} AND action = ANY(${actions}::text[]) AND actor_id = ${BACKUP_ACTOR.id} AND new_value ? 'scheduledFor'
    ORDER BY seq DESC LIMIT 1`;
  if (!r) return null;
  return { slot: r.slot, ok: r.action === 'backup.created' || r.ok === 'true', at: r.at };
}

/** What the schedule owes at `now`: read from the audit chain, so all processes agree. */
export async function scheduleState(db: TDb, opts: { now?: Date; env?: Record<string, string | undefined>; chainId?: string } = {}): Promise<TScheduleState> {
  const now = opts.now ?? new Date();
  const schedule = parseBackupSchedule(opts.env ?? process.env);
  const chainId = opts.chainId ?? defaultChainId();
  const lastB = await lastScheduled(db, chainId, ['backup.created', 'backup.failed']);
  const lastD = await lastScheduled(db, chainId, ['backup.drill']);
  const bSlot = backupSlot(now, schedule);
  const dSlot = drillSlot(now, schedule);
  const done = (last: { slot: string } | null, slot: Date) => last !== null && new Date(last.slot).getTime() >= slot.getTime();
  const backupDue = bSlot !== null && !done(lastB, bSlot);
  const drillDue = dSlot !== null && !done(lastD, dSlot);
  return {
    schedule,
    backupDue,
    drillDue,
    nextBackupAt: bSlot === null ? null : backupDue ? now : new Date(bSlot.getTime() + DAY),
    nextDrillAt: dSlot === null ? null : drillDue ? now : new Date(dSlot.getTime() + 7 * DAY),
    backupSlot: bSlot,
    drillSlot: dSlot,
    lastScheduledBackup: lastB,
    lastScheduledDrill: lastD,
  };
}

export interface TScheduleRun {
  busy?: boolean;
  backup?: { ok: true; id: string; fileName: string; slot: string } | { ok: false; error: string; slot: string };
  pruned?: string[];
  drill?: { ok: boolean; backupId: string; reason: string | null; slot: string };
}

/**
 * One check of the schedule: under the backup lock, runs the backup that is due (then prunes by
 * retention), then the weekly drill that is due (of the newest backup). A backup that fails is a
 * `backup.failed` event and a `backup_failed` alert; a failed drill alerts in runDrill. Another
 * process holding the lock means it is doing the work: this check returns `busy`.
 */
export async function runBackupSchedule(
  db: TDb,
  opts: { ownerUrl: string; now?: Date; env?: Record<string, string | undefined>; log?: (line: string) => void },
): Promise<TScheduleRun> {
  const now = opts.now ?? new Date();
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const pre = await scheduleState(db, { now, env });
  if (!pre.backupDue && !pre.drillDue) return {};
  try {
    // The directory createBackup writes to (CUSTOS_BACKUP_DIR of this process).
    return await withBackupLock(opts.ownerUrl, backupDir(), async () => {
      const st = await scheduleState(db, { now, env }); // another process may have run it meanwhile
      const out: TScheduleRun = {};
      if (st.backupDue) {
        const slot = backupSlot(now, st.schedule)!.toISOString();
        try {
          const b = await createBackup(db, { actor: BACKUP_ACTOR, ownerUrl: opts.ownerUrl, locked: true, scheduledFor: slot });
          out.backup = { ok: true, id: b.id, fileName: b.fileName, slot };
          log(`scheduled backup ${b.fileName}: ${b.size} bytes, chain head seq ${b.manifest.chain.head_seq}`);
        } catch (e) {
          const error = (e as Error).message;
          out.backup = { ok: false, error, slot };
          log(`scheduled backup failed: ${error}`);
          await db.$transaction(async (tx) => {
            await appendAudit(tx, [
              { actor: BACKUP_ACTOR, action: 'backup.failed', entityType: 'BackupSchedule', entityId: slot, newValue: { scheduledFor: slot, error }, reason: error, contextRef: `BackupSchedule:${slot}` },
            ]);
            await raiseAlert(tx, {
              kind: 'backup_failed',
              dedupKey: `backup_failed:${slot}`,
              detail: { scheduledFor: slot, error },
              entity: { type: 'BackupSchedule', id: slot },
              reason: `the scheduled backup of ${slot} failed: ${error}`,
              now,
            });
          });
        }
        if (out.backup.ok) {
          const p = await pruneBackups(db, { actor: BACKUP_ACTOR, now, days: retentionDays(env) });
          out.pruned = p.pruned;
          if (p.pruned.length) log(`retention: pruned ${p.pruned.length} backup(s)`);
        }
      }
      if (st.drillDue) {
        const slot = drillSlot(now, st.schedule)!.toISOString();
        try {
          const d = await runDrill(db, { actor: BACKUP_ACTOR, ownerUrl: opts.ownerUrl, locked: true, scheduledFor: slot });
          out.drill = { ok: d.ok, backupId: d.backupId, reason: d.reason, slot };
          log(d.ok ? `scheduled drill of ${d.fileName}: passed (${d.durationMs} ms)` : `scheduled drill of ${d.fileName}: FAILED ${d.reason}`);
        } catch (e) {
          // No backup to drill yet: the drill waits for one (the overdue check watches the gap).
          if (!(isAppError(e) && e.code === 'NOT_FOUND')) throw e;
        }
      }
      return out;
    });
  } catch (e) {
    if (isAppError(e) && e.code === 'CONFLICT') return { busy: true };
    throw e;
  }
}

/**
 * Overdue alerts: the newest good backup older than a day plus BACKUP_OVERDUE_GRACE_H while
 * backups are scheduled (the scheduler is not running, or every attempt fails), and no passed
 * drill within DRILL_OVERDUE_DAYS of a site that has backups. Raised once per condition (a new
 * backup or drill ends it; an acknowledged alert is not raised again for the same one).
 */
export async function checkBackupOverdue(db: TDb, opts: { now?: Date; env?: Record<string, string | undefined> } = {}): Promise<{ backupOverdue: boolean; drillOverdue: boolean }> {
  const now = opts.now ?? new Date();
  const schedule = parseBackupSchedule(opts.env ?? process.env);
  const good = await db.backup.findFirst({ where: { status: { in: ['created', 'verified'] } }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], select: { id: true, createdAt: true } });
  const first = await db.backup.findFirst({ where: { status: { not: 'pruned' } }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { createdAt: true } });
  const lastDrill = await db.backupDrill.findFirst({ where: { ok: true }, orderBy: [{ finishedAt: 'desc' }, { id: 'desc' }], select: { id: true, finishedAt: true } });
  const backupOverdue = schedule.minuteOfDay !== null && good !== null && now.getTime() - good.createdAt.getTime() > DAY + BACKUP_OVERDUE_GRACE_H * 3_600_000;
  const drillOverdue = isDrillOverdue(lastDrill?.finishedAt ?? null, first?.createdAt ?? null, now);
  const once = (a: TRaiseAlert) =>
    db.$transaction(async (tx) => {
      if (!(await tx.securityAlert.findFirst({ where: { dedupKey: a.dedupKey }, select: { id: true } }))) await raiseAlert(tx, a);
    });
  if (backupOverdue && good) {
    await once({
          kind: 'backup_overdue',
          dedupKey: `backup_overdue:${good.id}`,
          detail: { lastBackupId: good.id, lastBackupAt: good.createdAt.toISOString(), schedule: schedule.text },
          entity: { type: 'Backup', id: good.id },
          reason: `no backup since ${good.createdAt.toISOString()} although backups run ${schedule.text.split(';')[0]}`,
          now,
    });
  }
  if (drillOverdue) {
    await once({
          kind: 'backup_drill_overdue',
          dedupKey: `backup_drill_overdue:${lastDrill?.id ?? 'never'}`,
          detail: { lastPassedDrillId: lastDrill?.id ?? null, lastPassedDrillAt: lastDrill?.finishedAt.toISOString() ?? null, overdueAfterDays: DRILL_OVERDUE_DAYS },
          entity: { type: 'BackupDrill', id: lastDrill?.id ?? 'none' },
          reason: lastDrill ? `no restore drill passed since ${lastDrill.finishedAt.toISOString()} (more than ${DRILL_OVERDUE_DAYS} days)` : `no restore drill has passed in the ${DRILL_OVERDUE_DAYS} days since the first backup`,
          now,
    });
  }
  return { backupOverdue, drillOverdue };
}
