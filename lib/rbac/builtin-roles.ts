import type { TPermission } from '@/lib/rbac/permissions';

/**
 * What each built-in role is granted, as the migrations seed it (20261121230000_identity). The
 * authorization matrix test (e2e/authz) checks the database against this table and then every
 * server action and route handler against it; an administrator may change the grants later
 * through a four-eyes change request, which this table does not follow.
 */
export const BUILTIN_ROLE_PERMISSIONS = {
  Administrator: [
    ...['users.read', 'users.create', 'users.update', 'users.disable', 'users.unlock', 'users.reset_password'],
    ...['roles.read', 'roles.manage', 'security_alerts.read', 'security_alerts.acknowledge'],
    ...['change_requests.read', 'change_requests.approve', 'devices.read', 'devices.manage'],
    ...['audit.read', 'audit.verify', 'records.read', 'telemetry.read', 'quarantine.read'],
    ...['broker.read', 'broker.manage'],
    ...['backups.read', 'backups.manage', 'site.commission', 'training.read', 'training.manage'],
    ...['service_accounts.read', 'service_accounts.manage'],
  ],
  'QA Reviewer': ['records.read', 'records.sign_review', 'records.sign_rejection', 'audit.read', 'audit.review', 'telemetry.read', 'quarantine.read', 'training.read'],
  'QA Approver': [
    'records.read',
    'records.sign_approval',
    'records.sign_rejection',
    'records.retire',
    'change_requests.read',
    'change_requests.approve',
    'audit.read',
    'audit.review',
    'telemetry.read',
    'quarantine.read',
    'quarantine.manage',
    'training.read',
    'training.manage',
  ],
  Auditor: [
    'audit.read',
    'audit.export',
    'audit.verify',
    'records.read',
    'change_requests.read',
    'users.read',
    'roles.read',
    'security_alerts.read',
    'devices.read',
    'telemetry.read',
    'quarantine.read',
    'broker.read',
    'training.read',
  ],
  // Administration is not quality approval: administrators sign no record.
  Operator: ['records.read', 'records.create', 'records.edit', 'records.sign_authorship', 'telemetry.read'],
} as const satisfies Record<string, readonly TPermission[]>;

export type TBuiltinRole = keyof typeof BUILTIN_ROLE_PERMISSIONS;
export const BUILTIN_ROLES = Object.keys(BUILTIN_ROLE_PERMISSIONS) as TBuiltinRole[];
