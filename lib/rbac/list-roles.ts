import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TRoleRow {
  id: string;
  name: string;
  description: string;
  builtIn: boolean;
  permissions: string[];
  userCount: number;
  /** Change requests on this role still waiting for approval. */
  pendingRequests: number;
}

/** Every role with its permissions and how many users hold it: built-in roles first, then by name. */
export async function listRoles(db: TDb, user: TCurrentUser): Promise<TRoleRow[]> {
  requirePermission(user, 'roles.read');
  const roles = await db.role.findMany({
    orderBy: [{ builtIn: 'desc' }, { name: 'asc' }],
    select: {
      id: true,
      name: true,
      description: true,
      builtIn: true,
      permissions: { select: { permission: true } },
      _count: { select: { users: true, changes: { where: { status: 'submitted' } } } },
    },
  });
  return roles.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    builtIn: r.builtIn,
    permissions: r.permissions.map((p) => p.permission).sort(),
    userCount: r._count.users,
    pendingRequests: r._count.changes,
  }));
}
