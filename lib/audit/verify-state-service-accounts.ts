import type pg from 'pg';
import { publicKeyFingerprint } from '@/lib/devices/key-request';

// 21 CFR 11.10(d)(e): a service account is a credential. The application role may UPDATE
// service_accounts and INSERT service_account_keys, so a compromised application could widen
// scopes, re-enable an account or add a key outside change control. Replays the
// service_account.* events (each written by the applied change request, lib/service-accounts/
// change.ts) and compares status, scopes, token lifetime, networks, bound gateway and keys with the rows.

export const SERVICE_ACCOUNT_EVENTS = ['service_account.create', 'service_account.rotate_key', 'service_account.update_scopes', 'service_account.disable'] as const;

interface TKeyState {
  fingerprint: string | null;
  retired: boolean;
}

export interface TServiceAccountReplay {
  status: string;
  scopes: string[] | null;
  maxTokenLifetimeS: number | null;
  allowedNetworks: string[] | null;
  /** The gateway the account sends telemetry for (telemetry.ingest); null unbound. */
  gatewayId: string | null;
  keys: Map<string, TKeyState>;
}

type TDivergence = { kind: 'service_account'; entity: string; field: string; detail: string };

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const strings = (v: unknown): string[] | null => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : null);

/** Applies one event to the replay; false when it is not a service account event. */
export function replayServiceAccountEvent(accounts: Map<string, TServiceAccountReplay>, e: { action: string; entity_type: string; entity_id: string | null; new_value: Record<string, unknown> | null }): boolean {
  if (!e.action.startsWith('service_account.') || e.entity_type !== 'ServiceAccount' || !e.entity_id) return false;
  const nv = e.new_value ?? {};
  if (e.action === 'service_account.create') {
    const kid = str(nv.kid);
    accounts.set(e.entity_id, {
      status: 'active',
      scopes: strings(nv.scopes),
      maxTokenLifetimeS: typeof nv.maxTokenLifetimeS === 'number' ? nv.maxTokenLifetimeS : null,
      allowedNetworks: strings(nv.allowedNetworks),
      gatewayId: str(nv.gatewayId),
      keys: new Map(kid ? [[kid, { fingerprint: str(nv.fingerprint), retired: false }]] : []),
    });
    return true;
  }
  const a = accounts.get(e.entity_id);
  if (!a) return true;
  if (e.action === 'service_account.rotate_key') {
    const kid = str(nv.kid);
    if (kid) a.keys.set(kid, { fingerprint: str(nv.fingerprint), retired: false });
    for (const r of strings(nv.retired) ?? []) {
      const k = a.keys.get(r);
      if (k) k.retired = true;
    }
  } else if (e.action === 'service_account.update_scopes') {
    a.scopes = strings(nv.scopes) ?? a.scopes;
    if ('gatewayId' in nv) a.gatewayId = str(nv.gatewayId);
  } else if (e.action === 'service_account.disable') {
    a.status = str(nv.status) ?? 'disabled';
  }
  return true;
}

const setText = (s: Iterable<string>) => `[${[...s].sort().join(', ')}]`;
const same = (a: Iterable<string>, b: Iterable<string>) => setText(a) === setText(new Set(b));

function fingerprintOf(pem: string): string | null {
  try {
    return publicKeyFingerprint(pem);
  } catch {
    return null;
  }
}

/** The rows of the replayed accounts against the replay. */
export async function checkServiceAccounts(client: pg.ClientBase, accounts: Map<string, TServiceAccountReplay>, add: (d: TDivergence) => void): Promise<void> {
  if (!accounts.size) return;
  const { rows } = await client.query<{ id: string; status: string; scopes: string[]; max_token_lifetime_s: number; allowed_networks: string[]; gateway_id: string | null; keys: Array<{ kid: string; pem: string; fingerprint: string; retired: boolean }> }>(
    `SELECT a.id, a.status, a.scopes, a.max_token_lifetime_s, a.allowed_networks, a.gateway_id,
            coalesce(json_agg(json_build_object('kid', k.kid, 'pem', k.public_key_pem, 'fingerprint', k.fingerprint, 'retired', k.retired_at IS NOT NULL)) FILTER (WHERE k.kid IS NOT NULL), '[]') AS keys
     FROM service_accounts a LEFT JOIN service_account_keys k ON k.account_id = a.id WHERE a.id = ANY($1::text[]) GROUP BY a.id`,
    [[...accounts.keys()]],
  );
  const missing = new Set(accounts.keys());
  for (const row of rows) {
    missing.delete(row.id);
    const want = accounts.get(row.id)!;
    const d = (field: string, detail: string) => add({ kind: 'service_account', entity: row.id, field, detail: `service account ${row.id} ${detail}` });
    if (row.status !== want.status) d('status', `is ${row.status}; the audit trail gives ${want.status}`);
    if (want.scopes && !same(row.scopes, want.scopes)) d('scopes', `has scopes ${setText(row.scopes)}; the audit trail gives ${setText(want.scopes)}`);
    if (want.maxTokenLifetimeS !== null && row.max_token_lifetime_s !== want.maxTokenLifetimeS) d('max_token_lifetime_s', `allows tokens of ${row.max_token_lifetime_s} s; the audit trail gives ${want.maxTokenLifetimeS} s`);
    if (want.allowedNetworks && !same(row.allowed_networks, want.allowedNetworks)) d('allowed_networks', `allows networks ${setText(row.allowed_networks)}; the audit trail gives ${setText(want.allowedNetworks)}`);
    if (row.gateway_id !== want.gatewayId) d('gateway_id', `is bound to ${row.gateway_id ?? 'no gateway'}; the audit trail gives ${want.gatewayId ?? 'no gateway'}`);
    const kids = row.keys.map((k) => k.kid);
    if (!same(kids, want.keys.keys())) {
      d('keys', `has keys ${setText(kids)}; the audit trail gives ${setText(want.keys.keys())}`);
      continue;
    }
    for (const k of row.keys) {
      const w = want.keys.get(k.kid)!;
      if (k.retired !== w.retired) d('keys', `key ${k.kid} is ${k.retired ? 'retired' : 'active'}; the audit trail gives ${w.retired ? 'retired' : 'active'}`);
      // The stored PEM is checked, not only the fingerprint column beside it.
      else if (w.fingerprint && (k.fingerprint !== w.fingerprint || fingerprintOf(k.pem) !== w.fingerprint)) d('keys', `key ${k.kid} is not the public key its audit trail registered`);
    }
  }
  for (const id of missing) add({ kind: 'service_account', entity: id, field: 'row', detail: `service account ${id} is in the audit trail but not in service_accounts` });
}
