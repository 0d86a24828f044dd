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
  'records.sign',
  'records.retire',
  'audit.read',
  'audit.export',
  'audit.verify',
  'devices.read',
  'devices.manage',
  'telemetry.read',
  'quarantine.read',
  'quarantine.manage',
  'broker.read',
  'broker.manage',
  'backups.read',
  'backups.manage',
] as const;

export type TPermission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is TPermission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
