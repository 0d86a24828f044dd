import { z } from 'zod';
import { ZBrokerChange } from '@/lib/broker/broker-change';
import { sealKeyForRequest } from '@/lib/devices/key-request';
import { ZCertFingerprint } from '@/lib/devices/cert-fingerprint';
import { CERT_NEEDS_GATEWAY, ZDeviceKey, ZRegisterDevice } from '@/lib/devices/register-device';
import { isAppError } from '@/lib/errors/app-error';
import { SERVICE_ACCOUNT_PAYLOADS } from '@/lib/service-accounts/payloads';
import { ZIdentity } from '@/lib/users/identity-evidence';
import { PERMISSIONS, isServiceOnly, type TPermission } from '@/lib/rbac/permissions';

// Every privileged change Custos knows. Persisted as JSON (payload) and hashed: changing a
// payload schema needs a migration of open requests.

export const CR_KINDS = [
  'user.create',
  'user.update',
  'user.assign_role',
  'user.remove_role',
  'user.disable',
  'user.enable',
  'user.unlock',
  'user.reset_password',
  'role.create',
  'role.update_permissions',
  'backup.restore',
  'device.register',
  'device.rotate_key',
  'device.set_certificate',
  'broker.apply',
  'training.curriculum',
  'service_account.create',
  'service_account.rotate_key',
  'service_account.update_scopes',
  'service_account.disable',
] as const;
export type TCrKind = (typeof CR_KINDS)[number];

const roleName = z.string().trim().min(1, 'Role is required').max(100);
const permissionList = z
  .array(z.string())
  .max(PERMISSIONS.length)
  .superRefine((list, ctx) => {
    for (const p of list) {
      if (!(PERMISSIONS as readonly string[]).includes(p)) ctx.addIssue({ code: 'custom', message: `Unknown permission: ${p}` });
      else if (isServiceOnly(p)) ctx.addIssue({ code: 'custom', message: `${p} is held by service accounts only, never by a role` });
    }
  })
  .transform((l) => [...new Set(l)].sort());

/**
 * The key goes into the payload sealed (HMAC) or checked and normalised (public key), never as
 * the hex the requester typed: the payload is stored, hashed and copied into the audit trail.
 */
function sealedKey(deviceId: string, key: z.output<typeof ZDeviceKey>, ctx: z.RefinementCtx) {
  try {
    return sealKeyForRequest(deviceId, key);
  } catch (e) {
    if (!isAppError(e)) throw e;
    ctx.addIssue({ code: 'custom', message: e.message, path: ['key'] });
    return z.NEVER;
  }
}

export const CR_PAYLOAD = {
  'user.create': z.object({
    employeeId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/, 'Employee ID: 2–64 letters, digits, dot, dash or underscore'),
    displayName: z.string().trim().min(1, 'Name is required').max(200),
    email: z.email('Not an email address').max(320).nullable().default(null),
    roles: z.array(roleName).min(1, 'At least one role').transform((l) => [...new Set(l)].sort()),
    // 11.100(b); the evidence files are added by the service (request-change.ts), by hash.
    identity: ZIdentity,
  }),
  'user.update': z
    .object({ displayName: z.string().trim().min(1).max(200).optional(), email: z.email('Not an email address').max(320).nullable().optional() })
    .refine((v) => v.displayName !== undefined || v.email !== undefined, 'Nothing to change'),
  'user.assign_role': z.object({ role: roleName }),
  'user.remove_role': z.object({ role: roleName }),
  'user.disable': z.object({}),
  'user.enable': z.object({}),
  'user.unlock': z.object({}),
  'user.reset_password': z.object({}),
  'role.create': z.object({
    name: z.string().trim().min(1, 'Name is required').max(100),
    description: z.string().trim().max(500).default(''),
    permissions: permissionList,
  }),
  'role.update_permissions': z.object({ permissions: permissionList }),
  // The backup and the manifest the approvers reviewed (lib/backup/restore-backup.ts).
  'backup.restore': z.object({ backupId: z.uuid('Unknown backup'), manifestHash: z.string().regex(/^[0-9a-f]{64}$/, 'The manifest hash is missing') }),
  'device.register': ZRegisterDevice.refine((d) => d.limitMin == null || d.limitMax == null || d.limitMin < d.limitMax, {
    message: 'The lower limit must be below the upper limit',
    path: ['limitMin'],
  })
    .refine((d) => d.certFingerprint === null || !d.key.hmacSecretHex, { message: CERT_NEEDS_GATEWAY, path: ['certFingerprint'] })
    .transform((d, ctx) => ({ ...d, key: sealedKey(d.id, d.key, ctx) })),
  'device.rotate_key': z
    .object({ deviceId: ZRegisterDevice.shape.id, key: ZDeviceKey })
    .transform((d, ctx) => ({ deviceId: d.deviceId, key: sealedKey(d.deviceId, d.key, ctx) })),
  // The gateway's TLS client certificate, as its SHA-256 (null: none any more). A kind of its own:
  // certificates are renewed on their own schedule, without a new signing key.
  'device.set_certificate': z.object({ deviceId: ZRegisterDevice.shape.id, certFingerprint: ZCertFingerprint }),
  'broker.apply': ZBrokerChange,
  // 11.10(i): the documents a role must have read, by record number (the whole list after the change).
  'training.curriculum': z.object({
    role: roleName,
    documents: z
      .array(z.string().regex(/^DOC-\d{6}$/, 'Documents are named by their number (DOC-000001)'))
      .max(200)
      .transform((l) => [...new Set(l)].sort()),
  }),
  ...SERVICE_ACCOUNT_PAYLOADS,
} as const satisfies Record<TCrKind, z.ZodType>;

/**
 * How many distinct approvers besides the requester (four eyes is one). `privilege`: one, or two
 * when what is granted holds an administrative permission (lib/rbac/permissions.ts
 * isAdministrative) — a role given by assignment or at creation, or a re-enabled administrator.
 */
export type TApprovalRule = { count: 1 } | { count: 2; why: string } | { count: 'privilege'; why: string };

export interface TCrKindConfig {
  label: string;
  /** Needed to request and to approve (besides change_requests.approve). */
  permission: TPermission;
  /** What else the effect needs: creating a user with roles is also assigning them. */
  alsoNeeds?: TPermission[];
  target: 'user' | 'role' | 'device' | 'service_account' | 'none';
  approvals: TApprovalRule;
  /** May be applied directly, by the administrator's signature, while the site is commissioning. */
  commissionable: boolean;
}

const ONE = { count: 1 } as const;

/** The one table of who requests, who approves and how many approve (21 CFR 11.10(g), Annex 11 §12). */
export const CR_KIND_CONFIG: Record<TCrKind, TCrKindConfig> = {
  'user.create': {
    label: 'Create user',
    permission: 'users.create',
    alsoNeeds: ['roles.manage'],
    target: 'none',
    approvals: { count: 'privilege', why: 'the new user gets a role with administrative permissions' },
    commissionable: true,
  },
  'user.update': { label: 'Change name or email', permission: 'users.update', target: 'user', approvals: ONE, commissionable: true },
  'user.assign_role': {
    label: 'Assign role',
    permission: 'roles.manage',
    target: 'user',
    approvals: { count: 'privilege', why: 'the role holds administrative permissions' },
    commissionable: true,
  },
  'user.remove_role': { label: 'Remove role', permission: 'roles.manage', target: 'user', approvals: ONE, commissionable: true },
  'user.disable': { label: 'Disable user', permission: 'users.disable', target: 'user', approvals: ONE, commissionable: true },
  'user.enable': {
    label: 'Re-enable user',
    permission: 'users.disable',
    target: 'user',
    approvals: { count: 'privilege', why: 're-enabling gives administrative permissions back' },
    commissionable: true,
  },
  'user.unlock': { label: 'Unlock account', permission: 'users.unlock', target: 'user', approvals: ONE, commissionable: true },
  'user.reset_password': { label: 'Reset password', permission: 'users.reset_password', target: 'user', approvals: ONE, commissionable: true },
  'role.create': { label: 'Create role', permission: 'roles.manage', target: 'none', approvals: { count: 2, why: 'a role decides what people may do' }, commissionable: true },
  'role.update_permissions': {
    label: 'Change role permissions',
    permission: 'roles.manage',
    target: 'role',
    approvals: { count: 2, why: 'a role decides what people may do' },
    commissionable: true,
  },
  'backup.restore': { label: 'Restore backup', permission: 'backups.manage', target: 'none', approvals: { count: 2, why: 'a restore replaces every record' }, commissionable: false },
  'device.register': {
    label: 'Register device',
    permission: 'devices.manage',
    target: 'none',
    approvals: { count: 2, why: 'a device key creates records (readings, excursions)' },
    commissionable: true,
  },
  'device.rotate_key': {
    label: 'Rotate device key',
    permission: 'devices.manage',
    target: 'device',
    approvals: { count: 2, why: 'a device key creates records (readings, excursions)' },
    commissionable: true,
  },
  'device.set_certificate': {
    label: 'Set gateway certificate',
    permission: 'devices.manage',
    target: 'device',
    approvals: { count: 2, why: 'the certificate lets a gateway send readings (records) over HTTP' },
    commissionable: true,
  },
  'broker.apply': {
    label: 'Change broker access',
    permission: 'broker.manage',
    target: 'none',
    approvals: { count: 2, why: 'broker access decides who may publish and read telemetry' },
    commissionable: true,
  },
  'training.curriculum': { label: 'Change training curriculum', permission: 'training.manage', target: 'none', approvals: ONE, commissionable: true },
  // One approver: a service account never holds a signing or administrative permission
  // (lib/service-accounts/scopes.ts), so what it is granted is what a person's role could be.
  'service_account.create': { label: 'Create service account', permission: 'service_accounts.manage', target: 'service_account', approvals: ONE, commissionable: true },
  'service_account.rotate_key': { label: 'Add or retire a service key', permission: 'service_accounts.manage', target: 'service_account', approvals: ONE, commissionable: true },
  'service_account.update_scopes': { label: 'Change service scopes', permission: 'service_accounts.manage', target: 'service_account', approvals: ONE, commissionable: true },
  'service_account.disable': { label: 'Disable service account', permission: 'service_accounts.manage', target: 'service_account', approvals: ONE, commissionable: true },
};

/** The most approvals a kind can need (what going live must make possible). */
export function maxApprovals(kind: TCrKind): 1 | 2 {
  return CR_KIND_CONFIG[kind].approvals.count === 1 ? 1 : 2;
}

/** Approvals when nothing administrative is granted. */
export function baseApprovals(kind: TCrKind): 1 | 2 {
  return CR_KIND_CONFIG[kind].approvals.count === 2 ? 2 : 1;
}

export function isCrKind(v: unknown): v is TCrKind {
  return typeof v === 'string' && (CR_KINDS as readonly string[]).includes(v);
}
