import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

/** Security alerts not yet acknowledged: what the navigation badge and the home worklist count. */
export async function countOpenAlerts(db: TDb, user: TCurrentUser): Promise<number> {
  requirePermission(user, 'security_alerts.read');
  return db.securityAlert.count({ where: { acknowledgedAt: null } });
}
