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

/** At least one of `permissions` (e.g. signing: one permission per meaning). */
export function requireAnyPermission(user: Pick<TCurrentUser, 'permissions'>, permissions: readonly TPermission[]): void {
  if (permissions.some((p) => user.permissions.has(p))) return;
  throw new AppError(
    'FORBIDDEN',
    permissions.length === 1 ? `You do not have the permission ${permissions[0]}` : `You do not have any of the permissions ${permissions.join(', ')}`,
  );
}
