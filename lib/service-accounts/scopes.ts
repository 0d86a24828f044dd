import { PERMISSIONS, isAdministrative, type TPermission } from '@/lib/rbac/permissions';

// What a service account may be granted. A service is not a person: it never holds a signing
// meaning (21 CFR 11.200 — an electronic signature needs a person's ID and password), and no
// administrative permission (people, roles, devices, broker, backups, change control): those
// changes are a person's four-eyes request. Retirement and alert acknowledgement are signed by
// a person, so they are excluded as well, and so is a periodic review of the audit trail (closed by
// a person's REVIEW signature) and what only governs people (security alerts, change requests,
// other service accounts).
const NEVER_FOR_SERVICES = new Set<string>(['records.retire', 'security_alerts.acknowledge', 'security_alerts.read', 'change_requests.read', 'service_accounts.read', 'audit.review']);

export function isSigningPermission(p: string): boolean {
  return p.startsWith('records.sign_');
}

export function isServiceScope(p: string): p is TPermission {
  return (PERMISSIONS as readonly string[]).includes(p) && !isSigningPermission(p) && !isAdministrative(p) && !NEVER_FOR_SERVICES.has(p);
}

/** Every permission a service account may hold, in the order of PERMISSIONS. */
export const SERVICE_SCOPES: readonly TPermission[] = PERMISSIONS.filter(isServiceScope);
