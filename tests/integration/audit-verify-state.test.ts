import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerification, verificationProblems } from '@/lib/audit/run-verification';
import { appendAudit } from '@/lib/audit/append-audit';
import { defaultChainId } from '@/lib/audit/chain-id';
import { checkpointFileName, checkpointIfDue } from '@/lib/audit/checkpoint-signer';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { verifyChain } from '@/lib/audit/verify-chain';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { exportRows } from '@/lib/audit/export/export-source';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { registerDevice } from '@/lib/devices/register-device';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { getRecord } from '@/lib/records/get-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// What Custos shows and what it derives must be what its chain proves. Each test alters one
// thing as the database superuser (append-only triggers switched off where there are any),
// checks that verification names it, and puts it back.

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('audit_verify_state');
});
afterAll(async () => {
  await t?.drop();
});

async function sql<T = Record<string, unknown>>(q: string, params: unknown[] = []): Promise<T[]> {
  const c = await t.owner();
  try {
    return (await c.query(q, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** As the superuser, with `table`'s append-only trigger off (if it has one). */
async function tamper(table: string | null, q: string, params: unknown[] = []) {
  const c = await t.owner();
  try {
    await c.query('BEGIN');
    const trigger = table === 'audit_chain_heads' ? 'audit_chain_heads_guard' : `${table}_no_update_delete`;
    if (table) await c.query(`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`);
    await c.query(q, params);
    if (table) await c.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${trigger}`);
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

async function verify() {
  const c = await t.app();
  try {
    return await runVerification(t.db, c, { actor: SYSTEM_CLI });
  } finally {
    await c.end();
  }
}

const batch = { title: 'Batch 7', product: 'Product X', batchNumber: 'B-7', quantity: '1200', unit: 'vials', manufacturedOn: '2026-11-20', notes: '' };

async function signedRecord() {
  const author = await makeUser(t.db, { roles: ['Operator'] });
  const s = await sessionUser(t.db, author);
  const rec = await createRecord(t.db, s, { kind: 'batch_record', content: batch });
  await signRecord(t.db, s, { recordId: rec.id, version: 1, transition: 'submit', meaning: 'AUTHORSHIP', employeeId: author.employeeId, password: author.password });
  return { rec, author, s };
}

/** Authored, reviewed and approved: three signatures on version 1. */
async function approvedRecord() {
  const { rec, s } = await signedRecord();
  for (const [role, transition, meaning] of [
    ['QA Reviewer', 'review', 'REVIEW'],
    ['QA Approver', 'approve', 'APPROVAL'],
  ] as const) {
    const u = await makeUser(t.db, { roles: [role] });
    await signRecord(t.db, await sessionUser(t.db, u), { recordId: rec.id, version: 1, transition, meaning, employeeId: u.employeeId, password: u.password });
  }
  return { rec, s };
}

describe('verification covers what people see', () => {
  it('[11.10(e)] a superuser edit of actor_id / actor_name / new_value.meaning of a record.sign event: verify names the first seq and column; page and exports show the chain', async () => {
    const { rec, s } = await signedRecord();
    expect((await verify()).ok).toBe(true);
    const [ev] = await sql<{ seq: string; actor_id: string; actor_name: string; new_value: Record<string, unknown> }>(
      "SELECT seq::text, actor_id, actor_name, new_value FROM audit_events WHERE action = 'record.sign' AND entity_id = $1",
      [rec.id],
    );
    await tamper(
      'audit_events',
      `UPDATE audit_events SET actor_id = 'MALLORY-1', actor_name = 'Mallory Forger', new_value = jsonb_set(new_value, '{meaning}', '"APPROVAL"') WHERE seq = $1`,
      [ev.seq],
    );
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.broken).toBeNull();
      expect(r.display).toMatchObject({ ok: false, mismatches: 1 });
      expect(r.display.first[0]).toMatchObject({ seq: ev.seq, columns: ['actor_id', 'actor_name', 'new_value'] });
      expect(r.display.first[0].detail).toContain('"MALLORY-1"');
      expect(verificationProblems(r).join('\n')).toMatch(new RegExp(`first at seq ${ev.seq}, column actor_id`));
      // What people see is the chain's text, not the altered columns.
      const view = await getRecord(t.db, s, rec.id);
      const trail = view.audit.find((a) => a.seq === ev.seq)!;
      expect([trail.actorId, trail.actorName]).toEqual([ev.actor_id, ev.actor_name]);
      const c = await t.app();
      const exported: Array<Record<string, unknown>> = [];
      for await (const rows of exportRows(c, { chainId: defaultChainId(), filter: { fromSeq: ev.seq, toSeq: ev.seq }, columns: ['actor_id', 'actor_name', 'new_value'] })) exported.push(...rows);
      await c.end();
      expect(exported).toHaveLength(1);
      expect(exported[0]).toMatchObject({ actor_id: ev.actor_id, actor_name: ev.actor_name, new_value: { meaning: ev.new_value.meaning } });
    } finally {
      await tamper('audit_events', 'UPDATE audit_events SET actor_id = $2, actor_name = $3, new_value = $4 WHERE seq = $1', [ev.seq, ev.actor_id, ev.actor_name, ev.new_value]);
    }
    expect((await verify()).ok).toBe(true);
  });
});

describe('signatures are checked against the chain', () => {
  it('[11.50] a superuser edit of a signature\'s printed_name, signer_employee_id and signed_at: verify names the record and the field; the record page shows INVALID and why', async () => {
    const { rec, s } = await signedRecord();
    const [sig] = await sql<{ id: string; printed_name: string; signer_employee_id: string; signed_at: Date }>('SELECT id::text, printed_name, signer_employee_id, signed_at FROM signatures WHERE record_id = $1', [rec.id]);
    await tamper('signatures', "UPDATE signatures SET printed_name = 'Mallory Forger', signer_employee_id = 'MALLORY-1', signed_at = signed_at - interval '3 days' WHERE id = $1", [sig.id]);
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.chainOk).toBe(true);
      expect(r.signatureChain.invalid).toEqual([expect.objectContaining({ signatureId: sig.id, recordNumber: rec.number, version: 1, field: 'signer' })]);
      expect(verificationProblems(r).join('\n')).toContain(`on record ${rec.number} v1: signer is "MALLORY-1" on the signature`);
      const view = await getRecord(t.db, s, rec.id);
      expect(view.signatures[0]).toMatchObject({ validity: 'chain_mismatch', invalidReason: expect.stringContaining('"MALLORY-1"') });
      // Each field on its own is caught too.
      await tamper('signatures', 'UPDATE signatures SET signer_employee_id = $2 WHERE id = $1', [sig.id, sig.signer_employee_id]);
      expect((await verify()).signatureChain.invalid[0]).toMatchObject({ field: 'printed name' });
      await tamper('signatures', 'UPDATE signatures SET printed_name = $2 WHERE id = $1', [sig.id, sig.printed_name]);
      expect((await verify()).signatureChain.invalid[0]).toMatchObject({ field: 'time' });
    } finally {
      await tamper('signatures', 'UPDATE signatures SET printed_name = $2, signer_employee_id = $3, signed_at = $4 WHERE id = $1', [sig.id, sig.printed_name, sig.signer_employee_id, sig.signed_at]);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('[11.70] a version\'s content rewritten together with its content_hash and all three signatures\' content_hash: every signature is INVALID, with the record number', async () => {
    const { rec, s } = await approvedRecord();
    const [v] = await sql<{ content_canonical: string; content_hash: Buffer }>('SELECT content_canonical, content_hash FROM record_versions WHERE record_id = $1', [rec.id]);
    const forged = v.content_canonical.replace('1200', '9200');
    const forgedHash = createHash('sha256').update(forged, 'utf8').digest();
    await tamper('record_versions', 'UPDATE record_versions SET content_canonical = $2, content_hash = $3 WHERE record_id = $1', [rec.id, forged, forgedHash]);
    await tamper('signatures', 'UPDATE signatures SET content_hash = $2 WHERE record_id = $1', [rec.id, forgedHash]);
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      // Each row agrees with the others; only the chain still holds the original hash.
      expect(r.signatures.invalid).toEqual([]);
      expect(r.signatureChain.invalid).toHaveLength(3);
      expect(r.signatureChain.invalid.every((p) => p.recordNumber === rec.number && ['content hash', 'content'].includes(p.field))).toBe(true);
      const view = await getRecord(t.db, s, rec.id);
      expect(view.signatures.map((x) => x.validity)).toEqual(['chain_mismatch', 'chain_mismatch', 'chain_mismatch']);
    } finally {
      await tamper('record_versions', 'UPDATE record_versions SET content_canonical = $2, content_hash = $3 WHERE record_id = $1', [rec.id, v.content_canonical, v.content_hash]);
      await tamper('signatures', 'UPDATE signatures SET content_hash = $2 WHERE record_id = $1', [rec.id, v.content_hash]);
    }
    expect((await verify()).ok).toBe(true);
  });
});

describe('derived state is checked against the chain', () => {
  it('[11.10(e)] records.status set to approved with no approval signature: verify names the record', async () => {
    const { rec } = await signedRecord();
    await tamper(null, "UPDATE records SET status = 'approved' WHERE id = $1", [rec.id]);
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.chainOk).toBe(true);
      expect(r.state.divergences).toContainEqual(expect.objectContaining({ kind: 'record', entity: rec.number, field: 'status' }));
      expect(verificationProblems(r).join('\n')).toMatch(new RegExp(`record ${rec.number} is approved; its signatures and audit trail give in_review`));
    } finally {
      await tamper(null, "UPDATE records SET status = 'in_review' WHERE id = $1", [rec.id]);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('[11.10(d)] a user_roles row added outside the trail: verify names the user and both role sets', async () => {
    const u = await makeUser(t.db, { roles: ['Operator'] });
    await tamper(null, "INSERT INTO user_roles (user_id, role_id) SELECT $1::uuid, id FROM roles WHERE name = 'Administrator'", [u.id]);
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.state.divergences).toEqual([
        expect.objectContaining({ kind: 'user', entity: u.employeeId, field: 'roles', detail: expect.stringContaining('the audit trail gives [Operator]') }),
      ]);
    } finally {
      await tamper(null, "DELETE FROM user_roles WHERE user_id = $1::uuid AND role_id = (SELECT id FROM roles WHERE name = 'Administrator')", [u.id]);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('[11.10(d)] a built-in role\'s permission and a device key changed outside the trail: verify names the role and the device', async () => {
    await registerDevice(t.db, { id: 'GW-STATE-1', sensors: ['ST-1'], key: { publicKeyPem: generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);
    expect((await verify()).ok).toBe(true);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const [key] = await sql<{ public_key_pem: string }>("SELECT public_key_pem FROM device_keys WHERE device_id = 'GW-STATE-1'");
    await tamper(null, "UPDATE device_keys SET public_key_pem = $1 WHERE device_id = 'GW-STATE-1'", [other]);
    await tamper(null, "INSERT INTO role_permissions (role_id, permission) SELECT id, 'audit.verify' FROM roles WHERE name = 'Operator'");
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.state.divergences.map((d) => [d.kind, d.entity, d.field])).toEqual(
        expect.arrayContaining([
          ['role', 'Operator', 'permissions'],
          ['device', 'GW-STATE-1', 'keys'],
        ]),
      );
    } finally {
      await tamper(null, "UPDATE device_keys SET public_key_pem = $1 WHERE device_id = 'GW-STATE-1'", [key.public_key_pem]);
      await tamper(null, "DELETE FROM role_permissions WHERE permission = 'audit.verify' AND role_id = (SELECT id FROM roles WHERE name = 'Operator')");
    }
    expect((await verify()).ok).toBe(true);
  });

  it('[11.10(d)] [11.10(e)] a service account\'s scopes, status, lifetime, networks and keys changed outside its change requests: verify names the account and each field', async () => {
    const requester = await makeUser(t.db, { roles: ['Administrator'] });
    const approver = await makeUser(t.db, { roles: ['Administrator'] });
    const rs = await sessionUser(t.db, requester);
    const as = await sessionUser(t.db, approver);
    const change = async (kind: string, payload: Record<string, unknown>) => {
      const cr = await requestChange(t.db, rs, { kind, payload, reason: `state ${kind}` });
      const { payloadHash } = await getChangeRequest(t.db, as, cr.id);
      expect((await decideChangeRequest(t.db, as, { id: cr.id, decision: 'approve', payloadHash, employeeId: approver.employeeId, password: approver.password, reason: '' })).status).toBe('applied');
    };
    const pem = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const id = 'hist-state-1';
    await change('service_account.create', { id, name: 'Historian', ownerEmployeeId: requester.employeeId, scopes: ['telemetry.read'], maxTokenLifetimeS: 300, allowedNetworks: ['10.0.0.0/8'], key: { kid: 'k1', publicKeyPem: pem() } });
    await change('service_account.rotate_key', { accountId: id, key: { kid: 'k2', publicKeyPem: pem() }, retireKids: ['k1'] });
    await change('service_account.update_scopes', { accountId: id, scopes: ['telemetry.read', 'devices.read'] });
    await change('service_account.disable', { accountId: id });
    const clean = await verify();
    expect(clean.state.divergences).toEqual([]);
    expect(clean.state.checked.serviceAccounts).toBe(1);

    const [k2] = await sql<{ public_key_pem: string }>("SELECT public_key_pem FROM service_account_keys WHERE account_id = $1 AND kid = 'k2'", [id]);
    await tamper(null, "UPDATE service_accounts SET status = 'active', scopes = '{telemetry.read,devices.read,records.create}', max_token_lifetime_s = 86400, allowed_networks = '{}' WHERE id = $1", [id]);
    await tamper(null, 'UPDATE service_account_keys SET retired_at = NULL WHERE account_id = $1 AND kid = $2', [id, 'k1']);
    await tamper(null, 'UPDATE service_account_keys SET public_key_pem = $2 WHERE account_id = $1 AND kid = $3', [id, pem(), 'k2']);
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.chainOk).toBe(true);
      const mine = r.state.divergences.filter((d) => d.entity === id);
      expect(mine.map((d) => [d.kind, d.field])).toEqual([
        ['service_account', 'status'],
        ['service_account', 'scopes'],
        ['service_account', 'max_token_lifetime_s'],
        ['service_account', 'allowed_networks'],
        ['service_account', 'keys'],
        ['service_account', 'keys'],
      ]);
      const text = verificationProblems(r).join('\n');
      expect(text).toContain(`service account ${id} is active; the audit trail gives disabled`);
      expect(text).toContain(`service account ${id} has scopes [devices.read, records.create, telemetry.read]; the audit trail gives [devices.read, telemetry.read]`);
      expect(text).toContain(`service account ${id} key k1 is active; the audit trail gives retired`);
      expect(text).toContain(`service account ${id} key k2 is not the public key its audit trail registered`);
    } finally {
      await tamper(null, "UPDATE service_accounts SET status = 'disabled', scopes = '{devices.read,telemetry.read}', max_token_lifetime_s = 300, allowed_networks = '{10.0.0.0/8}' WHERE id = $1", [id]);
      await tamper(null, 'UPDATE service_account_keys SET retired_at = now() WHERE account_id = $1 AND kid = $2', [id, 'k1']);
      await tamper(null, 'UPDATE service_account_keys SET public_key_pem = $2 WHERE account_id = $1 AND kid = $3', [id, k2.public_key_pem, 'k2']);
    }
    expect((await verify()).state.divergences).toEqual([]);

    // A key added beside the audited ones (a way in for whoever holds its private key).
    await tamper(null, "INSERT INTO service_account_keys (account_id, kid, public_key_pem, fingerprint) VALUES ($1, 'k9', $2, 'sha256:0000000000000000')", [id, pem()]);
    try {
      const r = await verify();
      expect(r.state.divergences).toEqual([expect.objectContaining({ kind: 'service_account', entity: id, field: 'keys', detail: `service account ${id} has keys [k1, k2, k9]; the audit trail gives [k1, k2]` })]);
    } finally {
      await tamper(null, "DELETE FROM service_account_keys WHERE account_id = $1 AND kid = 'k9'", [id]);
    }
    expect((await verify()).ok).toBe(true);
  });

  it('[11.10(e)] audit_chain_heads moved: the application role is refused, a head moved by the owner is reported and the next append corrects it', async () => {
    const c = await t.app();
    try {
      await expect(c.query("UPDATE audit_chain_heads SET seq = seq - 1 WHERE chain_id = $1", [defaultChainId()])).rejects.toThrow(/may only move to the chain's last event/);
    } finally {
      await c.end();
    }
    await tamper('audit_chain_heads', 'UPDATE audit_chain_heads SET seq = seq - 2 WHERE chain_id = $1', [defaultChainId()]);
    const r = await verify();
    expect(r.ok).toBe(false);
    expect(r.state.divergences).toContainEqual(expect.objectContaining({ kind: 'chain_head', entity: defaultChainId() }));
    // The verification's own audit event was appended on the real last event: the chain is whole and the head right again.
    const again = await verify();
    expect(again.ok).toBe(true);
    expect(again.broken).toBeNull();
  });
});

describe('truncation between checkpoints', () => {
  it('[11.10(e)] a tail deleted after the newest checkpoint: verify warns with the count of unsigned events and the age', async () => {
    const { key } = loadOrCreateServerKey();
    const policy = { intervalS: 3600, everyEvents: 1_000_000, dir: null };
    expect(await checkpointIfDue(t.db, defaultChainId(), key, policy, { force: true })).not.toBeNull();
    for (let i = 0; i < 5; i++) await t.db.$transaction((tx) => appendAudit(tx, [{ actor: SYSTEM_CLI, action: 'audit.probe', entityType: 'Test', entityId: String(i) }]));
    const [{ max }] = await sql<{ max: string }>('SELECT max(seq)::text AS max FROM audit_events WHERE chain_id = $1', [defaultChainId()]);
    await tamper('audit_events', 'DELETE FROM audit_events WHERE chain_id = $1 AND seq > $2', [defaultChainId(), BigInt(max) - 2n]);
    await tamper('audit_chain_heads', 'UPDATE audit_chain_heads SET seq = e.seq, hash = e.hash FROM (SELECT seq, hash FROM audit_events WHERE chain_id = $1 ORDER BY seq DESC LIMIT 1) e WHERE chain_id = $1', [defaultChainId()]);
    const c = await t.app();
    try {
      const r = await verifyChain(c, { trustedPublicKeyPem: key.publicKeyPem, checkpointDir: null });
      expect(r.ok).toBe(true); // nothing signed was touched: only a warning can say it
      expect(r.unsignedTail).toMatchObject({ events: 3 });
      expect(r.unsignedTail!.ageS).toBeGreaterThanOrEqual(0);
      expect(r.warnings).toEqual([expect.stringMatching(/^3 events after the newest checkpoint \(unsigned tail\): the newest checkpoint, at seq \d+, was signed \d+ s ago$/)]);
    } finally {
      await c.end();
    }
  });

  it('[11.10(e)] one signer at a time, every N events or interval; a checkpoint published outside the database catches a rewrite of the database and its checkpoints', async () => {
    const { key } = loadOrCreateServerKey();
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-cp-'));
    const policy = { intervalS: 3600, everyEvents: 3, dir };
    const append = async (n: number) => {
      for (let i = 0; i < n; i++) await t.db.$transaction((tx) => appendAudit(tx, [{ actor: SYSTEM_CLI, action: 'audit.probe', entityType: 'Test', entityId: `n${i}` }]));
    };
    await checkpointIfDue(t.db, defaultChainId(), key, policy, { force: true });
    await append(2);
    expect(await checkpointIfDue(t.db, defaultChainId(), key, policy)).toBeNull(); // 2 < 3 events, interval not reached
    await append(1);
    // Two processes' rounds at once: the advisory lock lets one sign.
    const both = await Promise.all([checkpointIfDue(t.db, defaultChainId(), key, policy), checkpointIfDue(t.db, defaultChainId(), key, policy)]);
    expect(both.filter(Boolean)).toHaveLength(1);
    const signed = both.find(Boolean)!;
    expect(readdirSync(dir)).toContain(checkpointFileName(defaultChainId(), signed.seq));
    const c = await t.app();
    try {
      expect((await verifyChain(c, { trustedPublicKeyPem: key.publicKeyPem, checkpointDir: dir })).external).toMatchObject({ status: 'ok', seq: signed.seq });
      // The owner deletes the signed tail together with its checkpoints: only the file remembers.
      await tamper('audit_checkpoints', 'DELETE FROM audit_checkpoints WHERE chain_id = $1 AND seq >= $2', [defaultChainId(), signed.seq]);
      await tamper('audit_events', 'DELETE FROM audit_events WHERE chain_id = $1 AND seq >= $2', [defaultChainId(), signed.seq]);
      const r = await verifyChain(c, { trustedPublicKeyPem: key.publicKeyPem, checkpointDir: dir });
      expect(r.ok).toBe(false);
      expect(r.external).toMatchObject({ status: 'truncated', seq: signed.seq });
    } finally {
      await c.end();
    }
  });
});
