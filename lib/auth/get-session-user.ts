import type { TAuditActor } from '@/lib/audit/events';
import { authConfig } from '@/lib/auth/auth-config';
import { evaluateSession, idleDeadline, passwordExpiresAt, type TSessionState } from '@/lib/auth/session-rules';
import type { TDb } from '@/lib/db/client';
import { isPermission, type TPermission } from '@/lib/rbac/permissions';

export interface TCurrentUser {
  id: string;
  employeeId: string;
  displayName: string;
  email: string | null;
  roles: string[];
  permissions: ReadonlySet<TPermission>;
  sessionId: string;
  idleDeadline: Date;
  idleTimeoutS: number;
  passwordExpiresAt: Date | null;
  mfaEnabled: boolean;
  /** When the session last completed a full (ID + password) signing: 11.200(a)(1)(i). */
  signedAt: Date | null;
  /** Set only for a service account's caller (lib/api/verify-service-token.ts): its audit actor. */
  actor?: TAuditActor;
}

export interface TSessionLookup {
  state: TSessionState;
  user: TCurrentUser | null;
}

/** Loads the session row and its user, and decides (lib/auth/session-rules.ts) what it may do. */
export async function getSessionUser(db: TDb, sessionId: string | null | undefined, now = new Date()): Promise<TSessionLookup> {
  if (!sessionId || typeof sessionId !== 'string' || sessionId.length > 100) return { state: 'missing', user: null };
  const s = await db.session.findUnique({
    where: { id: sessionId },
    select: {
      id: true,
      revokedAt: true,
      absoluteExpiresAt: true,
      lastActivityAt: true,
      idleTimeoutS: true,
      mfaPending: true,
      signedAt: true,
      user: {
        select: {
          id: true,
          employeeId: true,
          displayName: true,
          email: true,
          status: true,
          lockedAt: true,
          mustChangePassword: true,
          passwordChangedAt: true,
          passwordExpires: true,
          mfaEnabledAt: true,
          roles: { select: { role: { select: { name: true, permissions: { select: { permission: true } } } } } },
        },
      },
    },
  });
  if (!s) return { state: 'missing', user: null };
  const cfg = authConfig();
  const state = evaluateSession(s, s.user, now, cfg);
  const permissions = new Set<TPermission>();
  for (const r of s.user.roles) for (const p of r.role.permissions) if (isPermission(p.permission)) permissions.add(p.permission);
  return {
    state,
    user: {
      id: s.user.id,
      employeeId: s.user.employeeId,
      displayName: s.user.displayName,
      email: s.user.email,
      roles: s.user.roles.map((r) => r.role.name).sort(),
      permissions,
      sessionId: s.id,
      idleDeadline: idleDeadline(s),
      idleTimeoutS: s.idleTimeoutS,
      passwordExpiresAt: passwordExpiresAt(s.user, cfg.passwordExpiryDays),
      mfaEnabled: Boolean(s.user.mfaEnabledAt),
      signedAt: s.signedAt,
    },
  };
}
