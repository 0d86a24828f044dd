import type pg from 'pg';
import { STATE_EVENTS } from '@/lib/audit/events';
import { checkServiceAccounts, replayServiceAccountEvent, type TServiceAccountReplay } from '@/lib/audit/verify-state-service-accounts';
import { BUILTIN_ROLE_PERMISSIONS } from '@/lib/rbac/builtin-roles';

// 21 CFR 11.10(a)(e): the application role may UPDATE records, user_roles, role_permissions,
// users, devices, device_keys, service_accounts and audit_chain_heads — it must, to work — so a compromised
// application could change them outside the trail. Verification replays the trail's events and
// compares what they give with the rows: every divergence is reported. Replay is driven by the
// action names of STATE_EVENTS and the payloads the events carry (status, roles, permissions,
// key versions), never by a list of permissions or signing meanings of its own.

export interface TStateDivergence {
  kind: 'record' | 'user' | 'role' | 'device' | 'service_account' | 'chain_head';
  /** The entity as people know it: record number, employee ID, role name, device ID, service account ID, chain ID. */
  entity: string;
  field: string;
  detail: string;
}

export interface TStateCheck {
  ok: boolean;
  checked: { records: number; users: number; roles: number; devices: number; serviceAccounts: number };
  divergences: TStateDivergence[];
}

interface TEvent {
  seq: string;
  action: string;
  entity_type: string;
  entity_id: string | null;
  new_value: Record<string, unknown> | null;
}

type TReplayed = {
  records: Map<string, { status: string; version: number | null }>;
  users: Map<string, { roles: Set<string>; status: string | null }>;
  roles: Map<string, { permissions: Set<string> }>;
  devices: Map<string, { status: string; kind: string | null; keys: Map<number, string | null>; certFingerprint: string | null }>;
  serviceAccounts: Map<string, TServiceAccountReplay>;
};

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);

/** The actions to read, and whether an action is one of them (`role.*` matches role.anything). */
function matcher(): { exact: string[]; prefixes: string[]; has(a: string): boolean } {
  const all: string[] = [...new Set<string>(Object.values(STATE_EVENTS).flat())];
  const exact = all.filter((a) => !a.endsWith('.*'));
  const prefixes = all.filter((a) => a.endsWith('.*')).map((a) => a.slice(0, -1));
  return { exact, prefixes, has: (a) => exact.includes(a) || prefixes.some((p) => a.startsWith(p)) };
}

function replay(events: TEvent[]): TReplayed {
  const r: TReplayed = { records: new Map(), users: new Map(), roles: new Map(), devices: new Map(), serviceAccounts: new Map() };
  const user = (id: string) => {
    let u = r.users.get(id);
    if (!u) r.users.set(id, (u = { roles: new Set(), status: null }));
    return u;
  };
  const role = (id: string, permissions: string[]) => r.roles.set(id, { permissions: new Set(permissions) });
  for (const e of events) {
    const nv = e.new_value ?? {};
    const id = e.entity_id;
    if (replayServiceAccountEvent(r.serviceAccounts, e)) continue;
    // Records: the status (and version) each event put the record in.
    if (e.action.startsWith('record.') && e.entity_type === 'Record' && id) {
      const prev = r.records.get(id);
      const status = e.action === 'record.retire' ? 'retired' : str(nv.status);
      const version = typeof nv.version === 'number' && e.action !== 'record.sign' ? nv.version : (prev?.version ?? null);
      if (status) r.records.set(id, { status, version });
      continue;
    }
    if (e.action === 'user.create' && id) {
      const u = user(id);
      u.roles = new Set(strings(nv.roles) ?? []);
      u.status = str(nv.status) ?? 'active';
      continue;
    }
    if (e.action.startsWith('role.')) {
      const roleId = str(nv.roleId) ?? (e.entity_type === 'Role' ? id : null);
      const perms = strings(nv.permissions);
      if (roleId && perms) role(roleId, perms);
      continue;
    }
    if (e.action === 'device.register' && id) {
      const version = typeof nv.keyVersion === 'number' ? nv.keyVersion : 1;
      // Registrations from before certificates existed carry none.
      r.devices.set(id, { status: str(nv.status) ?? 'active', kind: str(nv.keyKind) ?? str(nv.kind), keys: new Map([[version, str(nv.publicKeyPem)]]), certFingerprint: str(nv.certFingerprint) });
      continue;
    }
    if (e.action === 'device.set_certificate' && id) {
      const d = r.devices.get(id);
      if (d) d.certFingerprint = str(nv.certFingerprint);
      continue;
    }
    if (e.action === 'device.rotate_key' && id) {
      const d = r.devices.get(id);
      if (d && typeof nv.keyVersion === 'number') d.keys.set(nv.keyVersion, str(nv.publicKeyPem));
      continue;
    }
    if (e.action === 'change_request.apply') {
      const kind = str(nv.kind) ?? '';
      const effect = (nv.effect ?? {}) as Record<string, unknown>;
      if (kind === 'user.create' && str(effect.userId)) {
        const u = user(str(effect.userId)!);
        u.roles = new Set(strings(effect.roles) ?? []);
        u.status = 'active';
      } else if ((kind === 'user.assign_role' || kind === 'user.remove_role') && id && str(effect.role)) {
        const u = user(id);
        if (kind === 'user.assign_role') u.roles.add(str(effect.role)!);
        else u.roles.delete(str(effect.role)!);
      } else if ((kind === 'user.disable' || kind === 'user.enable') && id) {
        user(id).status = str(effect.status) ?? (kind === 'user.disable' ? 'disabled' : 'active');
      } else if (kind.startsWith('role.') && strings(effect.permissions)) {
        const roleId = str(effect.roleId) ?? (e.entity_type === 'Role' ? id : null);
        if (roleId) role(roleId, strings(effect.permissions)!);
      }
    }
  }
  return r;
}

const setText = (s: Iterable<string>) => `[${[...s].sort().join(', ')}]`;
const sameSet = (a: Set<string>, b: Iterable<string>) => {
  const bb = new Set(b);
  return a.size === bb.size && [...a].every((x) => bb.has(x));
};

/** Replays the chain's state events and compares them with the live rows; `limit` caps the report. */
export async function verifyDerivedState(client: pg.ClientBase, chainId: string, opts: { limit?: number } = {}): Promise<TStateCheck> {
  const limit = opts.limit ?? 100;
  const m = matcher();
  const { rows: events } = await client.query<TEvent>(
    `SELECT e.seq::text, c ->> 'action' AS action, c ->> 'entity_type' AS entity_type, c ->> 'entity_id' AS entity_id, c -> 'new_value' AS new_value
     FROM audit_events e CROSS JOIN LATERAL (SELECT e.canonical::jsonb AS c) x
     WHERE e.chain_id = $1 AND (e.action = ANY($2::text[]) OR e.action LIKE ANY($3::text[])) ORDER BY e.seq`,
    [chainId, m.exact, m.prefixes.map((p) => `${p.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)],
  );
  const r = replay(events.filter((e) => m.has(e.action)));
  const out: TStateDivergence[] = [];
  const add = (d: TStateDivergence) => void (out.length < limit && out.push(d));

  if (r.records.size) {
    const { rows } = await client.query<{ id: string; number: string; status: string; current_version: number }>(
      'SELECT id::text, number, status, current_version FROM records WHERE id = ANY($1::uuid[])',
      [[...r.records.keys()]],
    );
    for (const row of rows) {
      const want = r.records.get(row.id)!;
      if (row.status !== want.status) add({ kind: 'record', entity: row.number, field: 'status', detail: `record ${row.number} is ${row.status}; its signatures and audit trail give ${want.status}` });
      else if (want.version !== null && row.current_version !== want.version) {
        add({ kind: 'record', entity: row.number, field: 'current_version', detail: `record ${row.number} shows version ${row.current_version}; its audit trail gives version ${want.version}` });
      }
    }
  }
  if (r.users.size) {
    const { rows } = await client.query<{ id: string; employee_id: string; status: string; roles: string[] }>(
      `SELECT u.id::text, u.employee_id, u.status, coalesce(array_agg(ro.name) FILTER (WHERE ro.name IS NOT NULL), '{}') AS roles
       FROM users u LEFT JOIN user_roles ur ON ur.user_id = u.id LEFT JOIN roles ro ON ro.id = ur.role_id
       WHERE u.id = ANY($1::uuid[]) GROUP BY u.id`,
      [[...r.users.keys()]],
    );
    for (const row of rows) {
      const want = r.users.get(row.id)!;
      if (!sameSet(want.roles, row.roles)) add({ kind: 'user', entity: row.employee_id, field: 'roles', detail: `user ${row.employee_id} has roles ${setText(row.roles)}; the audit trail gives ${setText(want.roles)}` });
      if (want.status && row.status !== want.status) add({ kind: 'user', entity: row.employee_id, field: 'status', detail: `user ${row.employee_id} is ${row.status}; the audit trail gives ${want.status}` });
    }
  }
  {
    // Roles whose permissions an event of the trail set; built-in roles the trail never changed
    // keep what the migrations seeded (BUILTIN_ROLE_PERMISSIONS, which the authorization matrix
    // test holds equal to the migrations).
    const { rows } = await client.query<{ id: string; name: string; built_in: boolean; permissions: string[] }>(
      `SELECT ro.id::text, ro.name, ro.built_in, coalesce(array_agg(rp.permission) FILTER (WHERE rp.permission IS NOT NULL), '{}') AS permissions
       FROM roles ro LEFT JOIN role_permissions rp ON rp.role_id = ro.id WHERE ro.id = ANY($1::uuid[]) OR ro.built_in GROUP BY ro.id`,
      [[...r.roles.keys()]],
    );
    const seeded = BUILTIN_ROLE_PERMISSIONS as Record<string, readonly string[] | undefined>;
    for (const row of rows) {
      const baseline = row.built_in && seeded[row.name] ? { permissions: new Set<string>(seeded[row.name]) } : undefined;
      const want = r.roles.get(row.id) ?? baseline;
      if (!want) continue;
      if (!r.roles.has(row.id)) r.roles.set(row.id, want);
      if (!sameSet(want.permissions, row.permissions)) {
        add({ kind: 'role', entity: row.name, field: 'permissions', detail: `role ${row.name} has permissions ${setText(row.permissions)}; the audit trail gives ${setText(want.permissions)}` });
      }
    }
  }
  if (r.devices.size) {
    const { rows } = await client.query<{ id: string; status: string; kind: string; cert_fingerprint: string | null; keys: Array<{ version: number; pem: string | null }> }>(
      `SELECT d.id, d.status, d.kind, d.cert_fingerprint, coalesce(json_agg(json_build_object('version', k.version, 'pem', k.public_key_pem)) FILTER (WHERE k.version IS NOT NULL), '[]') AS keys
       FROM devices d LEFT JOIN device_keys k ON k.device_id = d.id WHERE d.id = ANY($1::text[]) GROUP BY d.id`,
      [[...r.devices.keys()]],
    );
    for (const row of rows) {
      const want = r.devices.get(row.id)!;
      if (row.status !== want.status) add({ kind: 'device', entity: row.id, field: 'status', detail: `device ${row.id} is ${row.status}; the audit trail gives ${want.status}` });
      if (want.kind && row.kind !== want.kind) add({ kind: 'device', entity: row.id, field: 'kind', detail: `device ${row.id} is ${row.kind}; the audit trail gives ${want.kind}` });
      if (row.cert_fingerprint !== want.certFingerprint) {
        add({ kind: 'device', entity: row.id, field: 'cert_fingerprint', detail: `device ${row.id} has certificate ${row.cert_fingerprint ?? 'none'}; the audit trail gives ${want.certFingerprint ?? 'none'}` });
      }
      const versions = row.keys.map((k) => String(k.version));
      if (!sameSet(new Set([...want.keys.keys()].map(String)), versions)) {
        add({ kind: 'device', entity: row.id, field: 'keys', detail: `device ${row.id} has key versions ${setText(versions)}; the audit trail gives ${setText([...want.keys.keys()].map(String))}` });
      } else {
        for (const k of row.keys) {
          const pem = want.keys.get(k.version);
          if (pem && k.pem?.trim() !== pem.trim()) add({ kind: 'device', entity: row.id, field: 'keys', detail: `device ${row.id} key version ${k.version} is not the public key its audit trail registered` });
        }
      }
    }
  }
  await checkServiceAccounts(client, r.serviceAccounts, add);
  // The head row against the chain's last event.
  const { rows: head } = await client.query<{ seq: string | null; hash: Buffer | null; last_seq: string | null; last_hash: Buffer | null }>(
    `SELECT h.seq::text, h.hash, e.seq::text AS last_seq, e.hash AS last_hash
     FROM (SELECT $1::text AS chain_id) c LEFT JOIN audit_chain_heads h ON h.chain_id = c.chain_id
     LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events WHERE chain_id = c.chain_id ORDER BY seq DESC LIMIT 1) e ON true`,
    [chainId],
  );
  const h = head[0];
  if (h && h.seq !== null && (h.seq !== (h.last_seq ?? '0') || (h.last_hash && h.hash && !Buffer.from(h.hash).equals(Buffer.from(h.last_hash))))) {
    add({ kind: 'chain_head', entity: chainId, field: 'audit_chain_heads', detail: `the head of chain ${chainId} names seq ${h.seq}; the chain's last event is seq ${h.last_seq ?? '0'}${h.seq === h.last_seq ? ' with another hash' : ''}` });
  }
  return { ok: out.length === 0, checked: { records: r.records.size, users: r.users.size, roles: r.roles.size, devices: r.devices.size, serviceAccounts: r.serviceAccounts.size }, divergences: out };
}
