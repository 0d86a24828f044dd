import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeAlert, acknowledgementsOf, alertContent } from '@/lib/alerts/acknowledge-alert';
import { raiseAlert } from '@/lib/alerts/raise-alert';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('alert_ack');
});
afterAll(async () => {
  await t?.drop();
});

async function sql(q: string, params: unknown[] = []) {
  const c = await t.owner();
  return (await c.query(q, params)).rows;
}

async function raise(key: string, userId?: string) {
  const r = await t.db.$transaction((tx) =>
    raiseAlert(tx, { kind: 'backup_failed', dedupKey: key, detail: { scheduledFor: '2030-01-01T02:00:00.000Z', error: 'disk full' }, userId, entity: { type: 'BackupSchedule', id: key }, reason: 'test' }),
  );
  const a = await t.db.securityAlert.findUniqueOrThrow({ where: { id: r.id }, select: { id: true, kind: true, severity: true, detail: true, firstSeenAt: true } });
  return { id: r.id.toString(), hash: alertContent(a).hash.toString('hex') };
}

describe('alert acknowledgement', () => {
  it('[11.50][11.200(a)][URS 4.3 alerting] an alert is acknowledged by an electronic signature: both components re-entered, meaning and comment recorded in the chain, its time the event’s', async () => {
    const admin = await makeUser(t.db, { roles: ['Administrator'] });
    const su = await sessionUser(t.db, admin);
    const a = await raise('ack-1');
    const r = await acknowledgeAlert(t.db, su, { alertId: a.id, contentHash: a.hash, comment: 'Freed space on the NAS; next backup checked', employeeId: admin.employeeId, password: admin.password });
    const row = await t.db.securityAlert.findUniqueOrThrow({ where: { id: BigInt(a.id) }, select: { acknowledgedAt: true, acknowledgedById: true } });
    expect(row.acknowledgedById).toBe(admin.id);
    expect(row.acknowledgedAt?.toISOString()).toBe(new Date(r.acknowledgedAt).toISOString());
    const [ev] = await sql(`SELECT actor_id, reason, new_value, context_ref, seq::text FROM audit_events WHERE action = 'alert.acknowledge' AND entity_id = $1`, [a.id]);
    expect(ev).toMatchObject({
      actor_id: admin.employeeId,
      reason: 'Freed space on the NAS; next backup checked',
      context_ref: `Alert:${a.id}/acknowledge`,
      seq: r.auditSeq,
      new_value: { meaning: 'RESPONSIBILITY', printedName: admin.displayName, employeeId: admin.employeeId, role: 'Administrator', contentHash: a.hash, kind: 'backup_failed' },
    });
    const acks = await acknowledgementsOf(t.db, [a.id]);
    expect(acks.get(a.id)).toMatchObject({ printedName: admin.displayName, meaning: 'RESPONSIBILITY', comment: 'Freed space on the NAS; next backup checked' });
    // Once only.
    await expect(acknowledgeAlert(t.db, su, { alertId: a.id, contentHash: a.hash, comment: 'again', employeeId: admin.employeeId, password: admin.password })).rejects.toThrow('This alert is already acknowledged');
    // The same condition seen again after acknowledgement is a new alert.
    const again = await raise('ack-1');
    expect(again.id).not.toBe(a.id);
  });

  it('[11.200(a)][11.300(d)] a wrong password or another person’s employee ID is refused, audited and counted toward lockout; the alert stays open', async () => {
    const admin = await makeUser(t.db, { roles: ['Administrator'] });
    const other = await makeUser(t.db, { roles: ['Administrator'] });
    const su = await sessionUser(t.db, admin);
    const a = await raise('ack-2');
    await expect(acknowledgeAlert(t.db, su, { alertId: a.id, contentHash: a.hash, comment: 'seen', employeeId: admin.employeeId, password: 'not the password 123' })).rejects.toThrow(
      'Signature refused: wrong password',
    );
    await expect(acknowledgeAlert(t.db, su, { alertId: a.id, contentHash: a.hash, comment: 'seen', employeeId: other.employeeId, password: other.password })).rejects.toThrow(
      'Signature refused: the employee ID is not yours',
    );
    await expect(acknowledgeAlert(t.db, su, { alertId: a.id, contentHash: a.hash, comment: 'seen', password: admin.password })).rejects.toThrow('Enter your employee ID to sign');
    await expect(acknowledgeAlert(t.db, su, { alertId: a.id, contentHash: a.hash, comment: '  ', employeeId: admin.employeeId, password: admin.password })).rejects.toThrow(
      'Say what was done about the alert',
    );
    const failed = await sql(`SELECT reason FROM audit_events WHERE action = 'esign.failed' AND context_ref = $1 ORDER BY seq`, [`Alert:${a.id}/acknowledge`]);
    expect(failed.map((f) => f.reason)).toEqual(['wrong password at signing', 'employee ID at signing is not the signed-in user']);
    expect((await t.db.user.findUniqueOrThrow({ where: { id: admin.id }, select: { failedAttempts: true } })).failedAttempts).toBe(2);
    expect((await t.db.securityAlert.findUniqueOrThrow({ where: { id: BigInt(a.id) }, select: { acknowledgedAt: true } })).acknowledgedAt).toBeNull();
  });

  it('[11.10(d)][11.10(g)] acknowledging needs security_alerts.acknowledge, the alert as shown, and someone other than the user it is about', async () => {
    const auditor = await makeUser(t.db, { roles: ['Auditor'] }); // may read alerts, not acknowledge
    const admin = await makeUser(t.db, { roles: ['Administrator'] });
    const a = await raise('ack-3');
    const au = await sessionUser(t.db, auditor);
    await expect(acknowledgeAlert(t.db, au, { alertId: a.id, contentHash: a.hash, comment: 'x', employeeId: auditor.employeeId, password: auditor.password })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const su = await sessionUser(t.db, admin);
    await expect(acknowledgeAlert(t.db, su, { alertId: a.id, contentHash: '0'.repeat(64), comment: 'x', employeeId: admin.employeeId, password: admin.password })).rejects.toThrow(
      'The alert changed since it was shown; reload and review it',
    );
    const mine = await raise('ack-own', admin.id);
    await expect(acknowledgeAlert(t.db, su, { alertId: mine.id, contentHash: mine.hash, comment: 'x', employeeId: admin.employeeId, password: admin.password })).rejects.toThrow(
      'An alert about your own account is acknowledged by someone else',
    );
    await expect(acknowledgeAlert(t.db, su, { alertId: '999999', contentHash: a.hash, comment: 'x', employeeId: admin.employeeId, password: admin.password })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await sql(`SELECT 1 FROM audit_events WHERE action = 'alert.acknowledge' AND entity_id IN ($1, $2)`, [a.id, mine.id])).toEqual([]);
  });
});
