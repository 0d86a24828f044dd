import { z } from 'zod';
import { ZBrokerChange } from '@/lib/broker/broker-change';
import { sealKeyForRequest } from '@/lib/devices/key-request';
import { ZDeviceKey, ZRegisterDevice } from '@/lib/devices/register-device';
import { isAppError } from '@/lib/errors/app-error';
import { PERMISSIONS, type TPermission } from '@/lib/rbac/permissions';

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
  'broker.apply',
] as const;
export type TCrKind = (typeof CR_KINDS)[number];

const roleName = z.string().trim().min(1, 'Role is required').max(100);
const permissionList = z
  .array(z.string())
  .max(PERMISSIONS.length)
  .superRefine((list, ctx) => {
    for (const p of list) if (!(PERMISSIONS as readonly string[]).includes(p)) ctx.addIssue({ code: 'custom', message: `Unknown permission: ${p}` });
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
  }).transform((d, ctx) => ({ ...d, key: sealedKey(d.id, d.key, ctx) })),
  'device.rotate_key': z
    .object({ deviceId: ZRegisterDevice.shape.id, key: ZDeviceKey })
    .transform((d, ctx) => ({ deviceId: d.deviceId, key: sealedKey(d.deviceId, d.key, ctx) })),
  'broker.apply': ZBrokerChange,
} as const satisfies Record<TCrKind, z.ZodType>;

export interface TCrKindConfig {
  label: string;
  /** Needed to request and to approve (besides change_requests.approve). */
  permission: TPermission;
  target: 'user' | 'role' | 'device' | 'none';
  /** Kinds that grant privileges, and restores, need two distinct approvers. */
  approvals: 1 | 2;
}

export const CR_KIND_CONFIG: Record<TCrKind, TCrKindConfig> = {
  'user.create': { label: 'Create user', permission: 'users.create', target: 'none', approvals: 2 },
  'user.update': { label: 'Change name or email', permission: 'users.update', target: 'user', approvals: 1 },
  'user.assign_role': { label: 'Assign role', permission: 'roles.manage', target: 'user', approvals: 2 },
  'user.remove_role': { label: 'Remove role', permission: 'roles.manage', target: 'user', approvals: 1 },
  'user.disable': { label: 'Disable user', permission: 'users.disable', target: 'user', approvals: 1 },
  'user.enable': { label: 'Re-enable user', permission: 'users.disable', target: 'user', approvals: 1 },
  'user.unlock': { label: 'Unlock account', permission: 'users.unlock', target: 'user', approvals: 1 },
  'user.reset_password': { label: 'Reset password', permission: 'users.reset_password', target: 'user', approvals: 1 },
  'role.create': { label: 'Create role', permission: 'roles.manage', target: 'none', approvals: 2 },
  'role.update_permissions': { label: 'Change role permissions', permission: 'roles.manage', target: 'role', approvals: 2 },
  'backup.restore': { label: 'Restore backup', permission: 'backups.manage', target: 'none', approvals: 2 },
  // A device key grants the power to create records (readings, excursions): two approvers.
  'device.register': { label: 'Register device', permission: 'devices.manage', target: 'none', approvals: 2 },
  'device.rotate_key': { label: 'Rotate device key', permission: 'devices.manage', target: 'device', approvals: 2 },
  // Broker access decides who may publish and read telemetry: two approvers.
  'broker.apply': { label: 'Change broker access', permission: 'broker.manage', target: 'none', approvals: 2 },
};

export function isCrKind(v: unknown): v is TCrKind {
  return typeof v === 'string' && (CR_KINDS as readonly string[]).includes(v);
}

/** Re-enabling a disabled administrator grants privileges back: two approvers. */
export function requiredApprovals(kind: TCrKind, target: { roles?: string[] } | null): number {
  if (kind === 'user.enable' && target?.roles?.includes('Administrator')) return 2;
  return CR_KIND_CONFIG[kind].approvals;
}
