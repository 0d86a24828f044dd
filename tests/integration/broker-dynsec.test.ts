import { readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentBaseline } from '@/lib/broker/broker-baseline';
import { withDynsec, type TBrokerControlConfig } from '@/lib/broker/dynsec-client';
import { deviceClientCommands, simulate, type TDynsecCommand } from '@/lib/broker/dynsec-model';
import { reconcileBroker } from '@/lib/broker/reconcile-broker';
import { requestBrokerChange } from '@/lib/broker/request-broker-change';
import { applyBrokerChange } from '@/lib/broker/apply-broker-change';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest, revealChangeSecret } from '@/lib/change-requests/get-change-request';
import { startDynsecMosquitto } from '@/tests/helpers/mosquitto';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
let broker: Awaited<ReturnType<typeof startDynsecMosquitto>>;
let cfg: TBrokerControlConfig;

beforeAll(async () => {
  [t, broker] = await Promise.all([createTestDatabase('broker_dynsec'), startDynsecMosquitto()]);
  cfg = { url: broker.url, username: broker.admin.username, password: broker.admin.password };
  process.env.CUSTOS_BROKER_ADMIN_USERNAME = cfg.username;
  process.env.CUSTOS_BROKER_ADMIN_PASSWORD = cfg.password;
  process.env.CUSTOS_BROKER_URL = cfg.url;
}, 30_000);
afterAll(async () => {
  await Promise.all([t?.drop(), broker?.stop()]);
  delete process.env.CUSTOS_BROKER_ADMIN_USERNAME;
  delete process.env.CUSTOS_BROKER_ADMIN_PASSWORD;
  delete process.env.CUSTOS_BROKER_URL;
});

async function admin() {
  const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'BRK' });
  return { ...u, s: await sessionUser(t.db, u) };
}
type TAdmin = Awaited<ReturnType<typeof admin>>;

async function approve(a: TAdmin, id: string) {
  const cr = await getChangeRequest(t.db, a.s, id);
  return decideChangeRequest(t.db, a.s, { id, decision: 'approve', payloadHash: cr.payloadHash, employeeId: a.employeeId, password: a.password });
}

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

/** Connects as a broker client over MQTT 5 (so a refused publish answers with a reason code). */
async function connectAs(username: string, password: string) {
  return mqtt.connectAsync(broker.url, { username, password, protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 5000, clientId: `${username}-${Math.random().toString(36).slice(2, 8)}` });
}

/** Approves with two other administrators; returns the final status. */
async function submitAndApprove(commands: TDynsecCommand[], reason = 'Broker access for the new cold room') {
  const [a, b, c] = [await admin(), await admin(), await admin()];
  const cr = await requestBrokerChange(t.db, a.s, { commands, reason });
  expect(cr.requiredApprovals).toBe(2);
  await approve(b, cr.id);
  const final = await approve(c, cr.id);
  return { cr, final, requester: a };
}

describe('broker access under four-eyes change control (Mosquitto dynamic security)', () => {
  let devicePassword = '';
  const device = 'FRIDGE-B7';

  it('[URS 4.2 RBAC][4-eyes] a client and role created through an approved change can connect and publish exactly where allowed, and are refused elsewhere', async () => {
    const commands = [...deviceClientCommands(device, [`pharma/${device}/#`]), { command: 'addRoleACL', rolename: `device-${device}`, acltype: 'subscribeLiteral', topic: `$share/custos/pharma/${device}/cmd`, allow: true } as TDynsecCommand];
    const { cr, final, requester } = await submitAndApprove(commands);
    expect(final).toMatchObject({ status: 'applied', failureReason: null });

    // The approved baseline is what the broker read back, and it holds the new client.
    const baseline = await currentBaseline(t.db);
    expect(baseline?.changeRequestId).toBe(cr.id);
    expect(baseline?.state.clients.map((c) => c.username)).toEqual([cfg.username, device].sort());

    // The generated password is shown once to the requester and is stored nowhere in clear.
    const secret = await revealChangeSecret(t.db, requester.s, cr.id);
    const m = new RegExp(`^${device}: (\\S{24})$`).exec(secret);
    expect(m).not.toBeNull();
    devicePassword = m![1];
    await expect(revealChangeSecret(t.db, requester.s, cr.id)).rejects.toThrow('already shown');
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM audit_events, change_requests WHERE audit_events.canonical LIKE $1 OR change_requests.payload::text LIKE $1`, [`%${devicePassword}%`]);
    expect(n).toBe(0);

    // A listener with the admin's access sees what the broker lets through.
    const seen: string[] = [];
    const watcher = await connectAs(cfg.username, cfg.password);
    await watcher.subscribeAsync('pharma/#', { qos: 1 });
    watcher.on('message', (topic) => seen.push(topic));

    const dev = await connectAs(device, devicePassword);
    await dev.publishAsync(`pharma/${device}/temp`, '4.1', { qos: 1 });
    await expect(dev.publishAsync(`pharma/OTHER/temp`, '4.1', { qos: 1 })).rejects.toMatchObject({ code: 135 });
    // Mosquitto 2.0.11 with max_queued_messages 0 also ends an MQTT 5 connection after a refused
    // QoS 1 publish (docs/broker.md): the subscriptions are checked on a new one.
    await dev.endAsync(true);
    const sub = await connectAs(device, devicePassword);
    await expect(sub.subscribeAsync('pharma/#', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [135] } });
    const granted = await sub.subscribeAsync(`$share/custos/pharma/${device}/cmd`, { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    await sub.endAsync();
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([`pharma/${device}/temp`]);
    await watcher.endAsync();

    // Wrong password, and the requester's submission applied nothing before approval.
    await expect(connectAs(device, 'not-the-password')).rejects.toThrow(/not authori[sz]ed|Bad User Name or Password/i);
    const audit = await sql(`SELECT action FROM audit_events WHERE context_ref LIKE $1 ORDER BY seq`, [`ChangeRequest:${cr.id}%`]);
    expect(audit.map((r) => r.action)).toEqual(['change_request.submit', 'change_request.approve', 'change_request.approve', 'broker.configure', 'change_request.apply', 'change_request.secret_shown']);
  });

  it('[URS 4.4 change control] a change made with mosquitto_ctrl behind Custos\'s back raises the drift alert naming it', async () => {
    const clean = await reconcileBroker(t.db, cfg);
    expect(clean).toMatchObject({ ok: true, differences: [] });
    await broker.ctrl('createClient', 'intruder', '-p', 'intruder-pw');
    await broker.ctrl('addRoleACL', `device-${device}`, 'publishClientSend', 'pharma/#', 'allow');
    const drift = await reconcileBroker(t.db, cfg);
    expect(drift.ok).toBe(false);
    expect(drift.differences).toEqual([
      expect.objectContaining({ subject: 'client intruder', change: 'added' }),
      expect.objectContaining({ subject: `role device-${device}`, change: 'changed', detail: expect.stringContaining('+ allow publishClientSend pharma/#') }),
    ]);
    const alerts = await sql(`SELECT kind, severity, occurrences, detail FROM security_alerts WHERE kind = 'broker_drift'`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', occurrences: 1 });
    expect(JSON.stringify(alerts[0].detail)).toContain('client intruder');
    // Seen again: the same open alert, last seen moved, counted.
    await reconcileBroker(t.db, cfg);
    const [again] = await sql(`SELECT count(*)::int AS n, max(occurrences) AS occ FROM security_alerts WHERE kind = 'broker_drift'`);
    expect(again).toEqual({ n: 1, occ: 2 });
    const [ev] = await sql(`SELECT actor_id, reason FROM audit_events WHERE action = 'alert.raise' AND entity_type = 'BrokerBaseline'`);
    expect(ev.reason).toContain('client intruder added');

    // A change on a drifted broker sends nothing: the batch was approved against another broker.
    const before = await withDynsec(cfg, (c) => c.readState());
    const { final } = await submitAndApprove([{ command: 'createRole', rolename: 'historian' }]);
    expect(final.status).toBe('failed');
    expect(final.failureReason).toContain('nothing was sent');
    expect(await withDynsec(cfg, (c) => c.readState())).toEqual(before);

    // Undo the intrusion so the rest of the file starts clean.
    await broker.ctrl('deleteClient', 'intruder');
    await broker.ctrl('removeRoleACL', `device-${device}`, 'publishClientSend', 'pharma/#');
    expect((await reconcileBroker(t.db, cfg)).ok).toBe(true);
  });

  it('[URS 4.4 change control] a batch the broker does not carry out as approved fails the request loudly and raises an alert', async () => {
    const baseline = await currentBaseline(t.db);
    // Submission refuses an invalid topic filter; a payload that got past it anyway (an older
    // Custos, a broker that validates differently) is caught by the read-back: the plugin applies
    // the first command, refuses the second, and the batch is not atomic.
    const commands: TDynsecCommand[] = [
      { command: 'createRole', rolename: 'qa-dashboard' },
      { command: 'addRoleACL', rolename: 'qa-dashboard', acltype: 'subscribePattern', topic: 'pharma/#/bad', allow: true },
    ];
    const cr = { id: '00000000-0000-4000-8000-00000000abcd', number: 'CR-TEST', payload: { baseRevision: baseline!.revision, base: baseline!.state, commands, expected: simulate(baseline!.state, commands).state } };
    const result = await t.db.$transaction((tx) => applyBrokerChange(tx, cr, cfg), { timeout: 30_000 });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('the broker refused 1 command(s): 2. Role qa-dashboard: allow subscribePattern pharma/#/bad: Invalid ACL topic');
    expect(!result.ok && result.reason).toContain('read back differs from the approved configuration: role qa-dashboard changed (− allow subscribePattern pharma/#/bad)');
    const alerts = await sql(`SELECT kind, severity FROM security_alerts WHERE dedup_key = $1`, [`broker_change:${cr.id}`]);
    expect(alerts).toEqual([{ kind: 'broker_change_mismatch', severity: 'critical' }]);
    expect((await currentBaseline(t.db))?.revision).toBe(baseline!.revision);
    // And the half-applied batch is drift from now on, until someone resolves it.
    const drift = await reconcileBroker(t.db, cfg);
    expect(drift.differences).toEqual([expect.objectContaining({ subject: 'role qa-dashboard', change: 'added' })]);
    await broker.ctrl('deleteRole', 'qa-dashboard');
  });

  it('[URS 4.4 change control] submission refuses what the broker would refuse: an invalid topic filter, a batch that changes nothing', async () => {
    const a = await admin();
    await expect(requestBrokerChange(t.db, a.s, { commands: [{ command: 'createRole', rolename: 'r' }, { command: 'addRoleACL', rolename: 'r', acltype: 'subscribePattern', topic: 'a/#/b', allow: true }], reason: 'test' })).rejects.toThrow(
      '# only as the last level',
    );
    await expect(requestBrokerChange(t.db, a.s, { commands: [{ command: 'createRole', rolename: 'historian' }, { command: 'deleteRole', rolename: 'historian' }], reason: 'test' })).rejects.toThrow('changes nothing');
    await expect(requestBrokerChange(t.db, a.s, { commands: [{ command: 'deleteClient', username: 'nobody' }], reason: 'test' })).rejects.toThrow('client nobody not found');
    const op = await makeUser(t.db, { roles: ['Operator'] });
    await expect(requestBrokerChange(t.db, await sessionUser(t.db, op), { commands: [], reason: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('the plugin file permissions pitfall', () => {
  it('[URS 4.4 change control] an unwritable plugin config file is detected: the broker answers success, Custos fails the request and alerts', async () => {
    const ro = await startDynsecMosquitto({ unwritableConfig: true });
    const roCfg = { url: ro.url, username: ro.admin.username, password: ro.admin.password };
    // A site of its own (no baseline yet): the first change adopts this broker.
    const t2 = await createTestDatabase('broker_dynsec_ro');
    const saved = { ...process.env };
    try {
      const [a, b, c] = await Promise.all(
        [0, 1, 2].map(async () => {
          const u = await makeUser(t2.db, { roles: ['Administrator'], prefix: 'RO' });
          return { ...u, s: await sessionUser(t2.db, u) };
        }),
      );
      const req = await requestBrokerChange(t2.db, a.s, { commands: [{ command: 'createRole', rolename: 'lost-on-restart' }], reason: 'Role for the QA dashboard' }, roCfg);
      Object.assign(process.env, { CUSTOS_BROKER_URL: ro.url, CUSTOS_BROKER_ADMIN_USERNAME: ro.admin.username, CUSTOS_BROKER_ADMIN_PASSWORD: ro.admin.password });
      for (const x of [b, c]) {
        const view = await getChangeRequest(t2.db, x.s, req.id);
        await decideChangeRequest(t2.db, x.s, { id: req.id, decision: 'approve', payloadHash: view.payloadHash, employeeId: x.employeeId, password: x.password });
      }
      // In memory the broker has the role (every command answered success)…
      expect((await withDynsec(roCfg, (cl) => cl.readState())).roles.map((r) => r.rolename)).toContain('lost-on-restart');
      // …but its file does not, and Custos says so.
      expect(readFileSync(ro.dynsecFile, 'utf8')).not.toContain('lost-on-restart');
      const view = await getChangeRequest(t2.db, a.s, req.id);
      expect(view.status).toBe('failed');
      expect(view.failureReason).toContain('could not save its configuration');
      expect(view.failureReason).toContain('File is not writable');
      const alerts = await t2.db.securityAlert.findMany({ where: { kind: 'broker_change_mismatch' }, select: { severity: true } });
      expect(alerts).toEqual([{ severity: 'critical' }]);
      expect(await currentBaseline(t2.db)).toBeNull();
    } finally {
      Object.assign(process.env, { CUSTOS_BROKER_URL: saved.CUSTOS_BROKER_URL, CUSTOS_BROKER_ADMIN_USERNAME: saved.CUSTOS_BROKER_ADMIN_USERNAME, CUSTOS_BROKER_ADMIN_PASSWORD: saved.CUSTOS_BROKER_ADMIN_PASSWORD });
      await Promise.all([t2.drop(), ro.stop()]);
    }
  }, 60_000);
});
