import { canonicalize } from '@/lib/audit/canonical';
import type { TTx } from '@/lib/db/client';
import { contentHashOf } from '@/lib/records/content-hash';

// What a change request was decided against. Hashed at submission and again at apply time:
// if the target changed in between, the approved change is not applied (it would act on a
// state nobody reviewed).

export interface TUserState {
  employeeId: string;
  displayName: string;
  email: string | null;
  status: string;
  locked: boolean;
  roles: string[];
}

export interface TRoleState {
  name: string;
  permissions: string[];
}

export async function userState(tx: TTx, userId: string): Promise<TUserState | null> {
  const u = await tx.user.findUnique({
    where: { id: userId },
    select: { employeeId: true, displayName: true, email: true, status: true, lockedAt: true, roles: { select: { role: { select: { name: true } } } } },
  });
  if (!u) return null;
  return {
    employeeId: u.employeeId,
    displayName: u.displayName,
    email: u.email,
    status: u.status,
    locked: u.lockedAt !== null,
    roles: u.roles.map((r) => r.role.name).sort(),
  };
}

export async function roleState(tx: TTx, roleId: string): Promise<TRoleState | null> {
  const r = await tx.role.findUnique({ where: { id: roleId }, select: { name: true, permissions: { select: { permission: true } } } });
  if (!r) return null;
  return { name: r.name, permissions: r.permissions.map((p) => p.permission).sort() };
}

export function stateHash(state: unknown): Buffer<ArrayBuffer> {
  return contentHashOf(canonicalize(state ?? null));
}
