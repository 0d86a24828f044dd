import { CR_KINDS, CR_KIND_CONFIG, maxApprovals, type TCrKind } from '@/lib/change-requests/kinds';
import type { TDb, TTx } from '@/lib/db/client';

export interface TKindReadiness {
  kind: TCrKind;
  label: string;
  approvals: 1 | 2;
  permissions: string[];
  /** Active people holding the permissions (possible requesters). */
  holders: string[];
  /** Those of them who also hold change_requests.approve (possible approvers). */
  approvers: string[];
  ready: boolean;
  /** What is missing, in words; null when ready. */
  missing: string | null;
}

/**
 * Going live is refused until every kind of change request can be requested by one person and
 * approved by as many others as it may need: otherwise the first such change after go-live
 * could never be made without a bypass.
 */
export async function goLiveReadiness(db: TDb | TTx): Promise<{ ready: boolean; kinds: TKindReadiness[] }> {
  const users = await db.user.findMany({
    where: { status: 'active', lockedAt: null },
    select: { employeeId: true, displayName: true, roles: { select: { role: { select: { permissions: { select: { permission: true } } } } } } },
    orderBy: { employeeId: 'asc' },
  });
  const people = users.map((u) => ({ label: `${u.displayName} (${u.employeeId})`, perms: new Set(u.roles.flatMap((r) => r.role.permissions.map((p) => p.permission))) }));
  const kinds = CR_KINDS.map((kind): TKindReadiness => {
    const cfg = CR_KIND_CONFIG[kind];
    const permissions = [...new Set([cfg.permission, ...(cfg.alsoNeeds ?? [])])].sort();
    const n = maxApprovals(kind);
    const holders = people.filter((p) => permissions.every((x) => p.perms.has(x)));
    const approvers = holders.filter((p) => p.perms.has('change_requests.approve'));
    const ready = approvers.length >= n && holders.length >= n + 1;
    return {
      kind,
      label: cfg.label,
      approvals: n,
      permissions,
      holders: holders.map((p) => p.label),
      approvers: approvers.map((p) => p.label),
      ready,
      missing: ready
        ? null
        : `${cfg.label}: needs ${n + 1} active people holding ${permissions.join(' and ')}, ${n} of them also change_requests.approve ` +
          `(the site has ${holders.length}, of whom ${approvers.length} may approve)`,
    };
  });
  return { ready: kinds.every((k) => k.ready), kinds };
}
