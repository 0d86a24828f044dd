import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { AppError } from '@/lib/errors/app-error';
import type { TPermission } from '@/lib/rbac/permissions';

/** 21 CFR 11.10(g): authority check on every privileged action. */
export function requirePermission(user: Pick<TCurrentUser, 'permissions'>, permission: TPermission): void {
  if (!user.permissions.has(permission)) {
    throw new AppError('FORBIDDEN', `You do not have the permission ${permission}`);
  }
}

export function can(user: Pick<TCurrentUser, 'permissions'> | null, permission: TPermission): boolean {
  return Boolean(user?.permissions.has(permission));
}
