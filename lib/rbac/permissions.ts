// Every permission Custos checks, as `resource.action`. Built-in roles are granted these in
// the migrations; custom roles may hold any subset. 21 CFR 11.10(d)(g).
export const PERMISSIONS = [
  'users.read',
  'users.create',
  'users.update',
  'users.disable',
  'users.unlock',
  'users.reset_password',
  'roles.read',
  'roles.manage',
  'security_alerts.read',
  'security_alerts.acknowledge',
  'change_requests.read',
  'change_requests.approve',
  'records.read',
  'records.create',
  'records.edit',
  // One permission per signature meaning (lib/records/kinds.ts says which a transition needs).
  'records.sign_authorship',
  'records.sign_review',
  'records.sign_approval',
  'records.sign_rejection',
  'records.retire',
  'audit.read',
  'audit.export',
  'audit.verify',
  // Holding a periodic review of the audit trail (Annex 11 §9).
  'audit.review',
  'devices.read',
  'devices.manage',
  'telemetry.read',
  // Send telemetry to the HTTP gateway endpoint (POST /api/ingest/gateway) with a service token.
  // Granted to no built-in role and to no role at all: a service account bound to one gateway
  // holds it (lib/service-accounts/scopes.ts, service_accounts.gateway_id).
  'telemetry.ingest',
  'quarantine.read',
  'quarantine.manage',
  'broker.read',
  'broker.manage',
  'backups.read',
  'backups.manage',
  // The training matrix, and curricula (changed through change requests): 21 CFR 11.10(i).
  'training.read',
  'training.manage',
  // Integration identities (lib/service-accounts): read the list, request their changes.
  'service_accounts.read',
  'service_accounts.manage',
  // Provisioning users and roles directly while the site is commissioning, and going live.
  'site.commission',
] as const;

export type TPermission = (typeof PERMISSIONS)[number];

/** Permissions only a service account holds (a machine's act); no role may be granted them. */
export const SERVICE_ONLY_PERMISSIONS: readonly TPermission[] = ['telemetry.ingest'];

export function isServiceOnly(p: string): boolean {
  return (SERVICE_ONLY_PERMISSIONS as readonly string[]).includes(p);
}

export function isPermission(value: string): value is TPermission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

/**
 * Permissions that administer people, privileges, devices or the system. Granting a role that
 * holds any of them — by assigning it, by creating a user with it, or by editing a role — needs
 * two approvers (lib/change-requests/authority.ts). Reading users and roles counts too: it shows
 * who may do what.
 */
export function isAdministrative(p: string): boolean {
  return p.startsWith('users.') || p.startsWith('roles.') || p.endsWith('.manage') || p === 'change_requests.approve' || p === 'site.commission';
}
