import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import type { Prisma } from '@/lib/generated/prisma/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

export const USER_STATUS_FILTERS = ['active', 'locked', 'disabled'] as const;

export const ZListUsers = z.object({
  q: z.string().trim().max(100).optional(),
  status: z.enum(USER_STATUS_FILTERS).optional(),
  role: z.string().trim().max(100).optional(),
  sort: z.enum(['employeeId', 'name', 'lastSignIn']).default('employeeId'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(100).default(25),
});

export interface TUserRow {
  id: string;
  employeeId: string;
  displayName: string;
  email: string | null;
  status: string;
  roles: string[];
  lastSignInAt: string | null;
  locked: boolean;
}

/** One page of users, filtered and sorted in the database; with every role name for the filter. */
export async function listUsers(db: TDb, user: TCurrentUser, raw: unknown) {
  requirePermission(user, 'users.read');
  const p = ZListUsers.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new AppError('BAD_REQUEST', `Invalid ${String(i.path[0])}: ${i.message}`, { [String(i.path[0])]: i.message });
  }
  const q = p.data;
  // "Active" means able to sign in: not disabled and not locked.
  const status: Prisma.UserWhereInput =
    q.status === 'locked' ? { lockedAt: { not: null } } : q.status === 'disabled' ? { status: 'disabled' } : q.status === 'active' ? { status: 'active', lockedAt: null } : {};
  const where: Prisma.UserWhereInput = {
    ...status,
    ...(q.role ? { roles: { some: { role: { name: q.role } } } } : {}),
    ...(q.q
      ? {
          OR: [
            { employeeId: { contains: q.q, mode: 'insensitive' } },
            { displayName: { contains: q.q, mode: 'insensitive' } },
            { email: { contains: q.q, mode: 'insensitive' } },
          ],
        }
      : {}),
  };
  const orderBy: Prisma.UserOrderByWithRelationInput[] =
    q.sort === 'name'
      ? [{ displayName: q.dir }, { id: 'asc' }]
      : q.sort === 'lastSignIn'
        ? [{ lastSignInAt: { sort: q.dir, nulls: 'last' } }, { id: 'asc' }]
        : [{ employeeId: q.dir }];
  const [total, rows, roles] = await Promise.all([
    db.user.count({ where }),
    db.user.findMany({
      where,
      orderBy,
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      select: {
        id: true,
        employeeId: true,
        displayName: true,
        email: true,
        status: true,
        lockedAt: true,
        lastSignInAt: true,
        roles: { select: { role: { select: { name: true } } } },
      },
    }),
    db.role.findMany({ orderBy: { name: 'asc' }, select: { name: true } }),
  ]);
  const items: TUserRow[] = rows.map((u) => ({
    id: u.id,
    employeeId: u.employeeId,
    displayName: u.displayName,
    email: u.email,
    status: u.status,
    roles: u.roles.map((r) => r.role.name).sort(),
    lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
    locked: u.lockedAt !== null,
  }));
  return { items, total, page: q.page, pageSize: q.pageSize, query: q, roleNames: roles.map((r) => r.name) };
}
