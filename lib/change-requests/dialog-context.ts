import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { isAdministrative } from '@/lib/rbac/permissions';
import { siteState } from '@/lib/site/site-state';

export interface TRequestDialogContext {
  /** Roles holding an administrative permission: granting one needs two approvers. */
  administrativeRoles: string[];
  /** Set while the site is commissioning and this person may provision directly. */
  commission: { displayName: string; employeeId: string } | null;
}

/** What a page needs to show a request dialog truthfully (the service decides again). */
export async function requestDialogContext(db: TDb, user: TCurrentUser): Promise<TRequestDialogContext> {
  const [roles, state] = await Promise.all([db.role.findMany({ select: { name: true, permissions: { select: { permission: true } } } }), siteState(db)]);
  return {
    administrativeRoles: roles.filter((r) => r.permissions.some((p) => isAdministrative(p.permission))).map((r) => r.name).sort(),
    commission: state.phase === 'commissioning' && user.permissions.has('site.commission') ? { displayName: user.displayName, employeeId: user.employeeId } : null,
  };
}
