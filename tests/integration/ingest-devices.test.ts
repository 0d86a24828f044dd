import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POST as gatewaySync } from '@/app/api/ingest/gateway/route';
import { decideQuarantine } from '@/lib/ingest/decide-quarantine';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildGatewayBody, buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

const exec = promisify(execFile);
let t: TTestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase('ingest_devices');
  dir = mkdtempSync(path.join(tmpdir(), 'custos-dev-'));
  const admin = await makeUser(t.db, { roles: ['Administrator'] });
  writeFileSync(path.join(dir, 'admin-pw'), admin.password);
  as = ['--as', admin.employeeId, '--password-file', path.join(dir, 'admin-pw')];
});
afterAll(async () => {
  await t?.drop();
});

let as: string[] = [];
async function custos(args: string[]) {
  // Device changes act as a named administrator (applied directly: the site is commissioning).
  if (args[0] === 'devices' && (args[1] === 'add' || args[1] === 'rotate-key')) args = [...args.slice(0, 2), ...as, ...args.slice(2)];
  try {
    const r = await exec('node_modules/.bin/tsx', ['scripts/custos.ts', ...args], {
      env: { ...process.env, DATABASE_URL: t.ownerUrl, APP_DATABASE_URL: t.appUrl },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('devices, HTTP sync, quarantine decisions and inclusion proofs', () => {
  it('[11.10(h)] registers devices and rotates keys from the CLI; old key versions stay verifiable', async () => {
    const v1 = randomBytes(32);
    const v2 = randomBytes(32);
    const add = await custos(['devices', 'add', '--id', 'EDGE-1', '--hmac-secret-hex', v1.toString('hex'), '--calibration-due', '2030-01-01', '--json']);
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ id: 'EDGE-1', kind: 'hmac', keyVersion: 1 });
    const rot = await custos(['devices', 'rotate-key', '--id', 'EDGE-1', '--hmac-secret-hex', v2.toString('hex'), '--json']);
    expect(JSON.parse(rot.stdout)).toMatchObject({ version: 2 });
    const list = JSON.parse((await custos(['devices', 'list', '--json'])).stdout);
    expect(list[0]).toMatchObject({ id: 'EDGE-1', keys: [{ version: 1 }, { version: 2 }] });
    expect(JSON.stringify(list)).not.toContain(v1.toString('hex'));
    const ingestor = new Ingestor(t.db);
    const r = await ingestor.ingest([
      { source: 'mqtt', topic: 'pharma/a', raw: buildHmacPayload({ deviceId: 'EDGE-1', secret: v1, value: '1.5' }), receivedAt: new Date() },
      { source: 'mqtt', topic: 'pharma/a', raw: buildHmacPayload({ deviceId: 'EDGE-1', secret: v2, value: '1.6', keyVersion: 2 }), receivedAt: new Date() },
      { source: 'mqtt', topic: 'pharma/a', raw: buildHmacPayload({ deviceId: 'EDGE-1', secret: v1, value: '1.7', keyVersion: 2 }), receivedAt: new Date() },
    ]);
    expect(r.verdicts.map((v) => v.reason ?? 'ok')).toEqual(['ok', 'ok', 'bad_signature']);
    const enc = await t.owner();
    const keys = await enc.query('SELECT hmac_secret_enc FROM device_keys');
    await enc.end();
    expect(keys.rows.every((k) => !String(k.hmac_secret_enc).includes(v1.toString('hex')))).toBe(true);
    const bad = await custos(['devices', 'add', '--id', 'EDGE-2']);
    expect(bad.code).toBe(2);
  });

  it('[URS] POST /api/ingest/gateway accepts the seed 001 body; a retried sync returns 200 and stores nothing twice', async () => {
    const gw = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = path.join(dir, 'gw.pem');
    writeFileSync(pem, gw.publicKey.export({ type: 'spki', format: 'pem' }));
    expect((await custos(['devices', 'add', '--id', 'GW-9', '--ecdsa-public-key-file', pem, '--sensor', 'TS-1'])).code).toBe(0);
    const body = buildGatewayBody({ privateKey: gw.privateKey, seq: 41, sensorId: 'TS-1', value: '3.25' });
    const post = (b: Buffer) => gatewaySync(new Request('http://localhost/api/ingest/gateway', { method: 'POST', body: new Uint8Array(b), headers: { 'content-type': 'application/json' } }));
    const first = await post(body);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'stored' });
    const retry = await post(body);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'duplicate' });
    const tampered = await post(Buffer.from(body.toString().replace('3.25', '9.25')));
    expect(tampered.status).toBe(422);
    expect(await tampered.json()).toMatchObject({ status: 'quarantined', reason: 'bad_signature' });
    const huge = await post(Buffer.alloc(100 * 1024, 32));
    expect(huge.status).toBe(413);
    const c = await t.app();
    const n = await c.query("SELECT count(*)::int AS n FROM telemetry WHERE device_id = 'GW-9'");
    await c.end();
    expect(n.rows[0].n).toBe(1);
  });

  it('[11.10(e)] a reading from an unregistered device is quarantined, then re-injected after registration (audited, permission-checked)', async () => {
    const secret = randomBytes(32);
    const ingestor = new Ingestor(t.db);
    const raw = buildHmacPayload({ deviceId: 'LATE-1', secret, value: '5.5' });
    const r = await ingestor.ingest([{ source: 'mqtt', topic: 'pharma/late', raw, receivedAt: new Date() }]);
    expect(r.verdicts[0]).toMatchObject({ ok: false, reason: 'unknown_device' });
    const list = JSON.parse((await custos(['quarantine', 'list', '--json'])).stdout) as Array<{ id: string; reason: string; deviceHint: string }>;
    const q = list.find((x) => x.deviceHint === 'LATE-1')!;
    expect(q.reason).toBe('unknown_device');
    const op = await makeUser(t.db, { roles: ['Operator'] });
    await expect(decideQuarantine(t.db, await sessionUser(t.db, op), { id: q.id, decision: 'reinject', reason: 'key registered' })).rejects.toThrow('quarantine.manage');
    const qa = await makeUser(t.db, { roles: ['QA Approver'] });
    const qaS = await sessionUser(t.db, qa);
    expect(await decideQuarantine(t.db, qaS, { id: q.id, decision: 'reinject', reason: 'still unknown' })).toMatchObject({ status: 'held', reason: 'unknown_device' });
    await custos(['devices', 'add', '--id', 'LATE-1', '--hmac-secret-hex', secret.toString('hex')]);
    expect(await decideQuarantine(t.db, qaS, { id: q.id, decision: 'reinject', reason: 'device key registered' })).toMatchObject({ status: 'reinjected', telemetryStored: true });
    await expect(decideQuarantine(t.db, qaS, { id: q.id, decision: 'discard', reason: 'again' })).rejects.toThrow('already reinjected');
    const linked = await t.app();
    const row = await linked.query("SELECT q.telemetry_id::text AS id, t.device_id FROM quarantine q JOIN telemetry t ON t.id = q.telemetry_id WHERE q.id = $1", [q.id]);
    await linked.end();
    expect(row.rows).toEqual([{ id: expect.any(String), device_id: 'LATE-1' }]);
    const c = await t.owner();
    await expect(c.query('UPDATE quarantine SET raw = $1 WHERE id = $2', [Buffer.from('x'), q.id])).rejects.toThrow(/sealed/);
    await expect(c.query('DELETE FROM quarantine WHERE id = $1', [q.id])).rejects.toThrow(/11\.10\(e\)/);
    await c.end();
  });

  it('[11.10(e)] every reading is provably included in a batch whose Merkle root is in the audit chain', async () => {
    const c = await t.app();
    const ids = await c.query('SELECT id::text FROM telemetry ORDER BY id');
    await c.end();
    for (const { id } of ids.rows) {
      const r = await custos(['telemetry', 'prove', '--id', id, '--json']);
      expect(r.code, r.stdout).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ valid: true, rootInAudit: true });
    }
    const missing = await custos(['telemetry', 'prove', '--id', '999999']);
    expect(missing.code).toBe(1);
    const list = JSON.parse((await custos(['telemetry', 'list', '--device', 'EDGE-1', '--json'])).stdout);
    expect(list.map((r: { valueText: string }) => r.valueText).sort()).toEqual(['1.5', '1.6']);
  });
});
