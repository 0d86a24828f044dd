import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { attemptCredential } from '@/lib/auth/attempt-credential';
import { verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT } from '@/lib/auth/password-policy';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { isPermission, type TPermission } from '@/lib/rbac/permissions';

/**
 * The person a CLI command acts as (`--as EMPLOYEE_ID` and their password): verified like a
 * signature — a wrong password counts toward lockout and is audited — and then held to the same
 * permissions and rules as in the application (21 CFR 11.10(d)(g), 11.300(d)). The CLI has no
 * session: its "session" is the invocation, named in the trail as `cli:<pid>`.
 */
export async function cliPerson(db: TDb, employeeId: string, password: string): Promise<TCurrentUser> {
  const sessionId = `cli:${process.pid}`;
  const outcome = await db.$transaction(
    async (tx) => {
      const r = await attemptCredential(tx, {
        by: { employeeId },
        failureAction: 'auth.cli_failed',
        sessionId,
        unknown: { password },
        verify: async (u) =>
          password && password.length <= PASSWORD_INPUT_LIMIT && (await verifyPassword(u.passwordHash, password))
            ? { ok: true }
            : { ok: false, reason: 'wrong password for --as on the command line' },
      });
      if (r.ok) return { ok: true as const, id: r.user.id };
      const message =
        r.code === 'LOCKED' || r.code === 'DISABLED' ? 'Account locked — contact an administrator' : 'Wrong password for --as, or no such employee ID';
      return { ok: false as const, message };
    },
    { maxWait: 60_000, timeout: 60_000 },
  );
  if (!outcome.ok) throw new AppError('FORBIDDEN', outcome.message);
  const u = await db.user.findUniqueOrThrow({
    where: { id: outcome.id },
    select: {
      id: true,
      employeeId: true,
      displayName: true,
      email: true,
      mfaEnabledAt: true,
      roles: { select: { role: { select: { name: true, permissions: { select: { permission: true } } } } } },
    },
  });
  const permissions = new Set<TPermission>(u.roles.flatMap((r) => r.role.permissions.map((p) => p.permission).filter(isPermission)));
  return {
    id: u.id,
    employeeId: u.employeeId,
    displayName: u.displayName,
    email: u.email,
    roles: u.roles.map((r) => r.role.name).sort(),
    permissions,
    sessionId,
    idleDeadline: new Date(Date.now() + 3600_000),
    idleTimeoutS: 3600,
    passwordExpiresAt: null,
    mfaEnabled: u.mfaEnabledAt !== null,
    signedAt: null,
  };
}
