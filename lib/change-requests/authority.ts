import { CR_KIND_CONFIG, type TCrKind } from '@/lib/change-requests/kinds';
import type { TTx } from '@/lib/db/client';
import { isAdministrative, type TPermission } from '@/lib/rbac/permissions';

// What a change request needs, computed from its kind and payload — one function, used when it
// is submitted, when it is decided and when it is applied (21 CFR 11.10(g)): the permissions the
// requester and every approver must hold, and how many approvers besides the requester.

/** What the database says about the roles a request names (or the user it re-enables). */
export interface TAuthorityFacts {
  /** Permissions of each role the payload names, by role name. */
  rolePermissions: ReadonlyMap<string, readonly string[]>;
  /** Permissions the target user holds through their roles (re-enabling gives them back). */
  targetPermissions: readonly string[];
}

export interface TRequestAuthority {
  /** Held by the requester and by every approver (approvers also need change_requests.approve). */
  permissions: TPermission[];
  approvals: 1 | 2;
  /** Why two approve, for the request dialog and the request page; null for one. */
  why: string | null;
}

/** The roles a payload grants: `roles` of a new user, `role` of an assignment. */
export function rolesGranted(kind: TCrKind, payload: Record<string, unknown>): string[] {
  if (kind === 'user.create' && Array.isArray(payload.roles)) return payload.roles.map(String);
  if (kind === 'user.assign_role' && typeof payload.role === 'string') return [payload.role];
  return [];
}

export function requestAuthority(kind: TCrKind, payload: Record<string, unknown>, facts: TAuthorityFacts): TRequestAuthority {
  const cfg = CR_KIND_CONFIG[kind];
  const permissions = [...new Set([cfg.permission, ...(cfg.alsoNeeds ?? [])])].sort();
  const rule = cfg.approvals;
  if (rule.count === 1) return { permissions, approvals: 1, why: null };
  if (rule.count === 2) return { permissions, approvals: 2, why: rule.why };
  const granted =
    kind === 'user.enable' ? [...facts.targetPermissions] : rolesGranted(kind, payload).flatMap((r) => [...(facts.rolePermissions.get(r) ?? [])]);
  return granted.some(isAdministrative) ? { permissions, approvals: 2, why: rule.why } : { permissions, approvals: 1, why: null };
}

/** Reads the facts requestAuthority needs, in the caller's transaction. */
export async function loadAuthorityFacts(tx: TTx, kind: TCrKind, payload: Record<string, unknown>, targetUserId: string | null): Promise<TAuthorityFacts> {
  const names = rolesGranted(kind, payload);
  const roles = names.length
    ? await tx.role.findMany({ where: { name: { in: names } }, select: { name: true, permissions: { select: { permission: true } } } })
    : [];
  let targetPermissions: string[] = [];
  if (kind === 'user.enable' && targetUserId) {
    const rows = await tx.rolePermission.findMany({ where: { role: { users: { some: { userId: targetUserId } } } }, select: { permission: true } });
    targetPermissions = [...new Set(rows.map((r) => r.permission))];
  }
  return { rolePermissions: new Map(roles.map((r) => [r.name, r.permissions.map((p) => p.permission)])), targetPermissions };
}

/** The permissions of `needed` this person does not hold. */
export function missingPermissions(held: ReadonlySet<string> | readonly string[], needed: readonly string[]): string[] {
  const has = held instanceof Set ? (p: string) => held.has(p) : (p: string) => (held as readonly string[]).includes(p);
  return needed.filter((p) => !has(p));
}

/** What each listed user holds now, through their roles, if they are active and not locked. */
export async function currentPermissions(tx: TTx, userIds: readonly string[]): Promise<Map<string, Set<string>>> {
  if (userIds.length === 0) return new Map();
  const users = await tx.user.findMany({
    where: { id: { in: [...userIds] } },
    select: { id: true, status: true, lockedAt: true, roles: { select: { role: { select: { permissions: { select: { permission: true } } } } } } },
  });
  return new Map(
    users.map((u) => [
      u.id,
      u.status === 'active' && !u.lockedAt ? new Set(u.roles.flatMap((r) => r.role.permissions.map((p) => p.permission))) : new Set<string>(),
    ]),
  );
}
