import type { ReactNode } from 'react';
import { brokerDiffRows } from '@/lib/broker/broker-diff-rows';
import { IDENTITY_METHOD_LABEL } from '@/lib/users/identity-labels';

// What the request changes, field by field: the state it was submitted against (before) and
// what it will be once applied (after). Lists show what is added and removed, in words as well
// as colour.

type TValue = string | null | { list: string[]; added: string[]; removed: string[] };

export interface TDiffRow {
  field: string;
  before: TValue;
  after: TValue;
  note?: string;
}

const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

function listChange(before: string[], after: string[]): TValue {
  return { list: [...new Set([...before, ...after])].sort(), added: after.filter((x) => !before.includes(x)), removed: before.filter((x) => !after.includes(x)) };
}

/** 11.100(b): how the identity was verified, and the evidence by name and hash. */
function identityRows(identity: unknown): TDiffRow[] {
  if (!identity || typeof identity !== 'object') return [{ field: 'Identity', before: null, after: null, note: 'Not recorded (requested before identity verification was recorded)' }];
  const i = identity as { method?: string; reference?: string; verifiedBy?: string; evidence?: Array<{ filename: string; size: number; sha256: string }> };
  const method = IDENTITY_METHOD_LABEL[i.method as keyof typeof IDENTITY_METHOD_LABEL] ?? str(i.method);
  return [
    { field: 'Identity', before: null, after: method ? `${method}: ${i.reference ?? ''}` : null },
    { field: 'Verified by', before: null, after: str(i.verifiedBy) },
    {
      field: 'Evidence',
      before: null,
      after: i.evidence?.length ? i.evidence.map((e) => `${e.filename} (${Math.max(1, Math.round(e.size / 1024))} KiB, SHA-256 ${e.sha256.slice(0, 16)}…)`).join('; ') : 'none attached',
    },
  ];
}

export function diffRows(kind: string, before: Record<string, unknown> | null, payload: Record<string, unknown>): TDiffRow[] {
  const b = before ?? {};
  const roles = strings(b.roles);
  switch (kind) {
    case 'user.create':
      return [
        { field: 'Employee ID', before: null, after: str(payload.employeeId) },
        { field: 'Name', before: null, after: str(payload.displayName) },
        { field: 'Email', before: null, after: str(payload.email) },
        { field: 'Roles', before: null, after: listChange([], strings(payload.roles)) },
        { field: 'Password', before: null, after: 'One-time password', note: 'Shown once to the requester; must be changed at first sign-in' },
        ...identityRows(payload.identity),
      ];
    case 'user.update':
      return [
        ...('displayName' in payload ? [{ field: 'Name', before: str(b.displayName), after: str(payload.displayName) }] : []),
        ...('email' in payload ? [{ field: 'Email', before: str(b.email), after: str(payload.email) }] : []),
      ];
    case 'user.assign_role':
      return [{ field: 'Roles', before: roles.join(', ') || null, after: listChange(roles, [...new Set([...roles, String(payload.role)])]) }];
    case 'user.remove_role':
      return [{ field: 'Roles', before: roles.join(', ') || null, after: listChange(roles, roles.filter((r) => r !== String(payload.role))) }];
    case 'user.disable':
      return [{ field: 'Status', before: str(b.status), after: 'disabled', note: 'Every open session of the user ends' }];
    case 'user.enable':
      return [{ field: 'Status', before: str(b.status), after: 'active' }];
    case 'user.unlock':
      return [{ field: 'Locked', before: b.locked ? 'Yes' : 'No', after: 'No', note: 'Failed sign-in attempts are reset' }];
    case 'user.reset_password':
      return [{ field: 'Password', before: 'Current password', after: 'One-time password', note: 'Shown once to the requester; every open session ends' }];
    case 'training.curriculum':
      return [
        { field: 'Role', before: null, after: str(payload.role) },
        { field: 'Required documents', before: null, after: listChange([], strings(payload.documents)), note: 'The whole list after the change' },
      ];
    case 'role.create':
      return [
        { field: 'Name', before: null, after: str(payload.name) },
        { field: 'Description', before: null, after: str(payload.description) },
        { field: 'Permissions', before: null, after: listChange([], strings(payload.permissions)) },
      ];
    case 'role.update_permissions': {
      const was = strings(b.permissions);
      const will = strings(payload.permissions);
      const added = will.filter((x) => !was.includes(x));
      const removed = was.filter((x) => !will.includes(x));
      const kept = will.filter((x) => was.includes(x));
      return [
        { field: 'Added', before: null, after: { list: added, added, removed: [] } },
        { field: 'Removed', before: null, after: { list: removed, added: [], removed } },
        { field: 'Unchanged', before: null, after: { list: kept, added: [], removed: [] } },
      ];
    }
    case 'device.register':
      return [
        { field: 'Device ID', before: null, after: str(payload.id) },
        deviceKeyRow(payload.key),
        { field: 'Key version', before: null, after: str(payload.keyVersion) },
        { field: 'Sensors', before: null, after: listChange([], strings(payload.sensors)) },
        { field: 'MQTT topics', before: null, after: listChange([], strings(payload.allowedTopics)) },
        { field: 'Firmware', before: null, after: str(payload.firmwareVersion) },
        { field: 'Calibration due', before: null, after: str(payload.calibrationDue) },
        { field: 'Expected interval', before: null, after: payload.expectedIntervalS == null ? null : `${String(payload.expectedIntervalS)} s` },
        { field: 'Limits', before: null, after: limitsText(payload) },
        { field: 'Description', before: null, after: str(payload.description) },
        ...(payload.certFingerprint ? [certRow(null, payload.certFingerprint)] : []),
      ];
    case 'device.rotate_key': {
      const versions = strings(b.keyVersions);
      const next = String(Math.max(0, ...versions.map(Number)) + 1);
      return [
        { field: 'Key versions', before: versions.join(', ') || null, after: listChange(versions, [...versions, next]), note: 'Older versions stay valid for buffered readings' },
        deviceKeyRow(payload.key),
      ];
    }
    case 'device.set_certificate':
      return [certRow(b.certFingerprint, payload.certFingerprint)];
    case 'broker.apply':
      return brokerDiffRows(payload);
    default:
      return Object.keys(payload).map((k) => ({ field: k, before: str(b[k]), after: str(payload[k]) }));
  }
}

/** Only the fingerprint of a key is shown: an HMAC secret is sealed in the payload, never displayed. */
function deviceKeyRow(key: unknown): TDiffRow {
  const k = (key ?? {}) as { kind?: string; fingerprint?: string };
  const kind = k.kind === 'hmac' ? 'HMAC secret (sealed)' : k.kind === 'ecdsa' ? 'ECDSA P-256 public key' : 'Key';
  return { field: 'Key', before: null, after: `${kind} · ${k.fingerprint ?? 'no fingerprint'}`, note: 'Fingerprint: the first 16 hex digits of the SHA-256 of the key' };
}

/** The whole SHA-256: the approver compares it with the certificate's (openssl x509 -fingerprint -sha256). */
function certRow(before: unknown, after: unknown): TDiffRow {
  return { field: 'Certificate (SHA-256)', before: str(before), after: str(after) ?? 'none (removed)', note: 'SHA-256 of the certificate\'s DER, lowercase hex' };
}

function limitsText(p: Record<string, unknown>): string | null {
  if (p.limitMin == null && p.limitMax == null) return null;
  const unit = p.unit ? ` ${String(p.unit)}` : '';
  const range = `${p.limitMin == null ? '−∞' : String(p.limitMin)} to ${p.limitMax == null ? '+∞' : String(p.limitMax)}${unit}`;
  return Number(p.limitMinDurationS) > 0 ? `${range}, excursion after ${String(p.limitMinDurationS)} s outside` : range;
}

function Plain({ v }: { v: string | null }) {
  return v === null ? <span className="text-slate-500">—</span> : <span className="break-words">{v}</span>;
}

function ListDiff({ v }: { v: Exclude<TValue, string | null> }) {
  if (v.list.length === 0) return <span className="text-slate-500">None</span>;
  return (
    <ul className="flex flex-wrap gap-1">
      {v.list.map((x) => {
        const added = v.added.includes(x);
        const removed = v.removed.includes(x);
        return (
          <li
            key={x}
            className={[
              'rounded px-1.5 py-0.5 font-mono text-xs ring-1 ring-inset',
              added ? 'bg-emerald-50 text-emerald-900 ring-emerald-300' : removed ? 'bg-red-50 text-red-800 ring-red-200' : 'bg-slate-50 text-slate-700 ring-slate-200',
            ].join(' ')}
          >
            {added ? '+ ' : removed ? '− ' : ''}
            {x}
            {(added || removed) && <span className="sr-only"> ({added ? 'added' : 'removed'})</span>}
          </li>
        );
      })}
    </ul>
  );
}

export function ChangeDiff({ kind, before, payload }: { kind: string; before: Record<string, unknown> | null; payload: Record<string, unknown> }): ReactNode {
  const rows = diffRows(kind, before, payload);
  if (rows.length === 0) return <p className="text-sm text-slate-600">Nothing to change.</p>;
  const listOnly = kind === 'role.update_permissions';
  return (
    <table className="w-full text-left text-sm">
      <caption className="sr-only">Change, field by field</caption>
      <thead className="text-xs text-slate-600">
        <tr>
          <th scope="col" className="w-32 py-1.5 pr-3 font-medium">
            Field
          </th>
          {!listOnly && (
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Before
            </th>
          )}
          <th scope="col" className="py-1.5 font-medium">
            {listOnly ? 'Permissions' : 'After'}
          </th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 align-top">
        {rows.map((r) => (
          <tr key={r.field}>
            <th scope="row" className="py-1.5 pr-3 font-medium text-slate-700">
              {r.field}
            </th>
            {!listOnly && (
              <td className="py-1.5 pr-3 text-slate-700">{typeof r.before === 'object' && r.before !== null ? <ListDiff v={r.before} /> : <Plain v={r.before} />}</td>
            )}
            <td className="py-1.5 text-slate-900">
              {typeof r.after === 'object' && r.after !== null ? <ListDiff v={r.after} /> : <Plain v={r.after} />}
              {r.note && <div className="mt-0.5 text-xs text-slate-600">{r.note}</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
