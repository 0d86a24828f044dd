import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { backupDir } from '@/lib/backup/config';
import { withBackupLock } from '@/lib/backup/lock';
import { backupSlot, checkBackupOverdue, drillSlot, parseBackupSchedule, runBackupSchedule, scheduleState } from '@/lib/backup/schedule';
import { registerDbGauges } from '@/lib/metrics/db-gauges';
import { scrapeMetrics } from '@/lib/metrics/registry';
import { createRecord } from '@/lib/records/create-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// The backup schedule on an injected clock: nothing here waits for 02:00.

const DAY = 86_400_000;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
let t: TTestDatabase;
let dir: string;
// Tomorrow's 02:01 UTC, and the weekly drill set to that weekday: the first check owes both.
const now1 = new Date(backupSlot(new Date(Date.now() + DAY), parseBackupSchedule({}))!.getTime() + 60_000);
const env = { CUSTOS_BACKUP_SCHEDULE: '02:00', CUSTOS_BACKUP_DRILL_DAY: DAYS[now1.getUTCDay()] };
const at = (ms: number) => new Date(now1.getTime() + ms);

beforeAll(async () => {
  t = await createTestDatabase('backup_schedule');
  dir = mkdtempSync(path.join(tmpdir(), 'custos-backup-schedule-'));
  process.env.CUSTOS_BACKUP_DIR = path.join(dir, 'backups');
  process.env.CUSTOS_BACKUP_KEY_FILE = path.join(dir, 'keys', 'backup.key');
  const author = await makeUser(t.db, { roles: ['Operator'] });
  const as = await sessionUser(t.db, author);
  await createRecord(t.db, as, {
    kind: 'batch_record',
    content: { title: 'Scheduled backup batch', product: 'Product X', batchNumber: 'B-S1', quantity: '10', unit: 'vials', manufacturedOn: '2026-11-20', notes: '' },
  });
  await createCheckpoint(t.db);
});
afterAll(async () => {
  await t?.drop();
});

async function sql(q: string, params: unknown[] = []) {
  const c = await t.owner();
  return (await c.query(q, params)).rows;
}

describe('backup schedule', () => {
  it('[Annex 11 §7.2] the schedule parses HH:MM UTC and off, and computes the daily and the weekly slot', () => {
    const s = parseBackupSchedule({ CUSTOS_BACKUP_SCHEDULE: '02:00', CUSTOS_BACKUP_DRILL_DAY: 'sun' });
    expect(s.text).toBe('daily at 02:00 UTC; restore drill weekly on Sunday after the backup');
    // Wednesday 2030-01-02 01:59 → Tuesday's 02:00; the drill slot is Sunday 2029-12-30 02:00.
    expect(backupSlot(new Date('2030-01-02T01:59:00Z'), s)?.toISOString()).toBe('2030-01-01T02:00:00.000Z');
    expect(backupSlot(new Date('2030-01-02T02:00:00Z'), s)?.toISOString()).toBe('2030-01-02T02:00:00.000Z');
    expect(drillSlot(new Date('2030-01-02T03:00:00Z'), s)?.toISOString()).toBe('2029-12-30T02:00:00.000Z');
    expect(drillSlot(new Date('2029-12-30T02:00:00Z'), s)?.toISOString()).toBe('2029-12-30T02:00:00.000Z');
    expect(parseBackupSchedule({ CUSTOS_BACKUP_SCHEDULE: 'off' }).minuteOfDay).toBeNull();
    expect(() => parseBackupSchedule({ CUSTOS_BACKUP_SCHEDULE: '2am' })).toThrow('CUSTOS_BACKUP_SCHEDULE must be HH:MM (UTC, daily) or off, not 2am');
    expect(() => parseBackupSchedule({ CUSTOS_BACKUP_DRILL_DAY: 'someday' })).toThrow(/CUSTOS_BACKUP_DRILL_DAY/);
  });

  it('[Annex 11 §7.2][11.10(c)] the scheduler runs the due daily backup and the due weekly drill once each, audited with their slot', async () => {
    const before = await scheduleState(t.db, { now: at(-2 * 60_000), env });
    const slot = new Date(now1.getTime() - 60_000).toISOString();
    expect(before.backupDue).toBe(true); // yesterday's slot was never run: caught up
    const r1 = await runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: now1, env });
    expect(r1.backup).toMatchObject({ ok: true, slot });
    expect(r1.drill).toMatchObject({ ok: true, slot, backupId: r1.backup!.ok ? r1.backup!.id : '' });
    // Five minutes later nothing is due: the slot is done (read back from the chain).
    expect(await runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(5 * 60_000), env })).toEqual({});
    const st = await scheduleState(t.db, { now: at(5 * 60_000), env });
    expect(st).toMatchObject({ backupDue: false, drillDue: false });
    expect(st.nextBackupAt?.toISOString()).toBe(new Date(new Date(slot).getTime() + DAY).toISOString());
    expect(st.nextDrillAt?.toISOString()).toBe(new Date(new Date(slot).getTime() + 7 * DAY).toISOString());

    const ev = await sql(
      `SELECT action, actor_id, new_value->>'scheduledFor' AS slot, new_value->>'ok' AS ok FROM audit_events WHERE action IN ('backup.created', 'backup.drill') ORDER BY seq`,
    );
    expect(ev).toEqual([
      { action: 'backup.created', actor_id: 'system:backup', slot, ok: null },
      { action: 'backup.drill', actor_id: 'system:backup', slot, ok: 'true' },
    ]);
    expect((await t.db.backup.findFirstOrThrow({ select: { status: true } })).status).toBe('verified');

    // The next day: a backup, no drill (that is weekly).
    const r2 = await runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(DAY), env });
    expect(r2.backup).toMatchObject({ ok: true, slot: new Date(new Date(slot).getTime() + DAY).toISOString() });
    expect(r2.drill).toBeUndefined();
    expect(await t.db.backup.count()).toBe(2);
  });

  it('[11.10(c)] after each scheduled backup retention prunes, audited, and never the newest verified backup', async () => {
    // Both backups are 100 days old now; the verified one stays, the other is pruned.
    await sql("UPDATE backups SET created_at = created_at - interval '100 days'");
    const verified = await t.db.backup.findFirstOrThrow({ where: { status: 'verified' }, select: { id: true } });
    const other = await t.db.backup.findFirstOrThrow({ where: { status: 'created' }, select: { id: true } });
    const r = await runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(2 * DAY), env: { ...env, CUSTOS_BACKUP_RETENTION_DAYS: '90' } });
    expect(r.backup?.ok).toBe(true);
    expect(r.pruned).toEqual([other.id]);
    const left = await t.db.backup.findMany({ where: { status: { not: 'pruned' } }, select: { id: true }, orderBy: { createdAt: 'asc' } });
    expect(left.map((b) => b.id)).toEqual([verified.id, r.backup!.ok ? r.backup!.id : '']);
    const [p] = await sql(`SELECT actor_id, entity_id, occurred_at FROM audit_events WHERE action = 'backup.pruned'`);
    expect(p).toMatchObject({ actor_id: 'system:backup', entity_id: other.id });
    const row = await t.db.backup.findUniqueOrThrow({ where: { id: other.id }, select: { prunedAt: true } });
    expect(row.prunedAt?.getTime()).toBe(new Date(p.occurred_at).getTime()); // its time is the event's
  });

  it('[Annex 11 §7.2] one run at a time across processes: a check that finds the backup lock held leaves the work to its holder, and two concurrent checks back up once', async () => {
    const n = await t.db.backup.count();
    const busy = await withBackupLock(t.ownerUrl, backupDir(), () => runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(3 * DAY), env }));
    expect(busy).toEqual({ busy: true });
    expect(await t.db.backup.count()).toBe(n);
    const both = await Promise.all([0, 1].map(() => runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(3 * DAY), env })));
    expect(both.filter((r) => r.backup?.ok).length).toBe(1);
    expect(await t.db.backup.count()).toBe(n + 1);
    expect(await runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(3 * DAY), env })).toEqual({});
  });

  it('[Annex 11 §7.2] a scheduled backup that fails is recorded (backup.failed) and raises a backup_failed alert; the slot is not retried every minute', async () => {
    const keyFile = process.env.CUSTOS_BACKUP_KEY_FILE;
    process.env.CUSTOS_BACKUP_KEY_FILE = '/dev/null/backup.key'; // cannot be created
    try {
      const r = await runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(4 * DAY), env });
      expect(r.backup).toMatchObject({ ok: false, slot: new Date(now1.getTime() - 60_000 + 4 * DAY).toISOString() });
      expect(await runBackupSchedule(t.db, { ownerUrl: t.ownerUrl, now: at(4 * DAY + 60_000), env })).toEqual({});
    } finally {
      process.env.CUSTOS_BACKUP_KEY_FILE = keyFile;
    }
    const [ev] = await sql(`SELECT actor_id, reason FROM audit_events WHERE action = 'backup.failed'`);
    expect(ev.actor_id).toBe('system:backup');
    expect(ev.reason).toMatch(/\/dev\/null/);
    const alerts = await sql(`SELECT kind, severity, detail FROM security_alerts WHERE kind = 'backup_failed'`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', detail: { scheduledFor: new Date(now1.getTime() - 60_000 + 4 * DAY).toISOString() } });
    const [raised] = await sql(`SELECT actor_id FROM audit_events WHERE action = 'alert.raise' AND new_value->>'kind' = 'backup_failed'`);
    expect(raised.actor_id).toBe('system:alerts');
  });

  it('[Annex 11 §7.2] an overdue backup and an overdue drill each raise one alert', async () => {
    const newest = await t.db.backup.findFirstOrThrow({ where: { status: { in: ['created', 'verified'] } }, orderBy: { createdAt: 'desc' }, select: { createdAt: true } });
    const lastDrill = await t.db.backupDrill.findFirstOrThrow({ where: { ok: true }, orderBy: { finishedAt: 'desc' }, select: { finishedAt: true } });
    // A day and an hour after the newest backup: not overdue yet (two hours of grace).
    expect(await checkBackupOverdue(t.db, { now: new Date(newest.createdAt.getTime() + DAY + 3_600_000), env })).toEqual({ backupOverdue: false, drillOverdue: false });
    const late = new Date(Math.max(newest.createdAt.getTime() + DAY + 3 * 3_600_000, lastDrill.finishedAt.getTime() + 9 * DAY));
    expect(await checkBackupOverdue(t.db, { now: late, env })).toEqual({ backupOverdue: true, drillOverdue: true });
    await checkBackupOverdue(t.db, { now: new Date(late.getTime() + 60_000), env });
    const alerts = await sql(`SELECT kind, severity FROM security_alerts WHERE kind IN ('backup_overdue', 'backup_drill_overdue') ORDER BY kind`);
    expect(alerts).toEqual([
      { kind: 'backup_drill_overdue', severity: 'high' },
      { kind: 'backup_overdue', severity: 'high' },
    ]);
    // Backups off: an old backup is not "overdue".
    expect((await checkBackupOverdue(t.db, { now: late, env: { CUSTOS_BACKUP_SCHEDULE: 'off' } })).backupOverdue).toBe(false);
  });

  it('[Annex 11 §7.2][URS 4.3 monitoring] the metrics carry the last successful backup and the last passed drill', async () => {
    registerDbGauges(t.db);
    const { body } = await scrapeMetrics();
    const newest = await t.db.backup.findFirstOrThrow({ where: { status: { in: ['created', 'verified'] } }, orderBy: { createdAt: 'desc' }, select: { createdAt: true } });
    const drill = await t.db.backupDrill.findFirstOrThrow({ where: { ok: true }, orderBy: { finishedAt: 'desc' }, select: { finishedAt: true } });
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(body)?.[1]);
    expect(value('custos_backup_last_success_timestamp_seconds')).toBe(newest.createdAt.getTime() / 1000);
    expect(value('custos_backup_drill_last_success_timestamp_seconds')).toBe(drill.finishedAt.getTime() / 1000);
    expect(body).toMatch(/^# HELP custos_backup_last_success_timestamp_seconds /m);
  });
});
