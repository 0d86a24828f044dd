import { defaultChainId } from '@/lib/audit/chain-id';
import { trailEntry } from '@/lib/audit/trail-entry';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { CR_KIND_CONFIG, type TCrKind } from '@/lib/change-requests/kinds';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

/**
 * One user for the administration page: the account, how many sessions are open, the change
 * requests still waiting on it, and its latest audit events (newest first).
 */
export async function getUser(db: TDb, viewer: TCurrentUser, userId: string, opts: { auditTake?: number } = {}) {
  requirePermission(viewer, 'users.read');
  if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new AppError('NOT_FOUND', 'User not found');
  const now = new Date();
  const u = await db.user.findUnique({
    where: { id: userId },
    select: {
      id: true,
      employeeId: true,
      displayName: true,
      email: true,
      status: true,
      lockedAt: true,
      failedAttempts: true,
      mustChangePassword: true,
      mfaEnabledAt: true,
      lastSignInAt: true,
      createdAt: true,
      identityVerification: true,
      roles: { select: { role: { select: { name: true } } } },
    },
  });
  if (!u) throw new AppError('NOT_FOUND', 'User not found');
  const [openSessions, pending, audit, allRoles] = await Promise.all([
    db.session.count({ where: { userId, revokedAt: null, absoluteExpiresAt: { gt: now } } }),
    db.changeRequest.findMany({
      where: { targetUserId: userId, status: 'submitted' },
      orderBy: { createdAt: 'desc' },
      take: 50,
      select: { id: true, number: true, kind: true, requesterName: true, requiredApprovals: true, approverIds: true, createdAt: true, expiresAt: true },
    }),
    db.auditEvent.findMany({
      where: { chainId: defaultChainId(), entityType: 'User', entityId: userId },
      orderBy: { seq: 'desc' },
      take: Math.min(Math.max(opts.auditTake ?? 20, 1), 100),
      select: { seq: true, canonical: true },
    }),
    db.role.findMany({ orderBy: { name: 'asc' }, select: { name: true } }),
  ]);
  return {
    id: u.id,
    employeeId: u.employeeId,
    displayName: u.displayName,
    email: u.email,
    status: u.status,
    locked: u.lockedAt !== null,
    lockedAt: u.lockedAt,
    failedAttempts: u.failedAttempts,
    mustChangePassword: u.mustChangePassword,
    mfaEnabled: u.mfaEnabledAt !== null,
    lastSignInAt: u.lastSignInAt,
    createdAt: u.createdAt,
    /** 11.100(b): as the approved user.create request stated it; null for accounts made before it was recorded. */
    identity: u.identityVerification as null | { method: string; reference: string; verifiedBy: string; changeRequest: string; evidence?: Array<{ id: string; filename: string; sha256: string }> },
    roles: u.roles.map((r) => r.role.name).sort(),
    /** Every role name, for "assign role". */
    allRoles: allRoles.map((r) => r.name),
    openSessions,
    pendingRequests: pending.map((c) => ({
      id: c.id,
      number: c.number,
      kind: c.kind,
      kindLabel: CR_KIND_CONFIG[c.kind as TCrKind]?.label ?? c.kind,
      requesterName: c.requesterName,
      approvals: `${c.approverIds.length} of ${c.requiredApprovals}`,
      createdAt: c.createdAt,
      expiresAt: c.expiresAt,
    })),
    audit: audit.map((a) => trailEntry(a.seq, a.canonical)),
  };
}

export type TUserView = Awaited<ReturnType<typeof getUser>>;
