import type { TTx } from '@/lib/db/client';

export interface TAttemptUser {
  id: string;
  employeeId: string;
  displayName: string;
  status: string;
  passwordHash: string;
  failedAttempts: number;
  lockedAt: Date | null;
  mfaSecretEnc: string | null;
  mfaEnabledAt: Date | null;
  roles: string[];
}

/**
 * Loads and row-locks the user for one credential check. Holding the lock while the password
 * is hashed serializes attempts on one account: 200 parallel wrong guesses lock it after
 * exactly the threshold, and every later attempt sees the lock before any hashing.
 */
export async function loadUserForAttempt(tx: TTx, by: { employeeId: string } | { id: string }): Promise<TAttemptUser | null> {
  const rows =
    'id' in by
      ? await tx.$queryRaw<TAttemptUser[]>`
          SELECT id, employee_id AS "employeeId", display_name AS "displayName", status, password_hash AS "passwordHash",
                 failed_attempts AS "failedAttempts", locked_at AS "lockedAt", mfa_secret_enc AS "mfaSecretEnc",
                 mfa_enabled_at AS "mfaEnabledAt"
          FROM users WHERE id = ${by.id}::uuid FOR UPDATE`
      : await tx.$queryRaw<TAttemptUser[]>`
          SELECT id, employee_id AS "employeeId", display_name AS "displayName", status, password_hash AS "passwordHash",
                 failed_attempts AS "failedAttempts", locked_at AS "lockedAt", mfa_secret_enc AS "mfaSecretEnc",
                 mfa_enabled_at AS "mfaEnabledAt"
          FROM users WHERE employee_id = ${by.employeeId} FOR UPDATE`;
  const u = rows[0];
  if (!u) return null;
  const roles = await tx.userRole.findMany({ where: { userId: u.id }, select: { role: { select: { name: true } } } });
  return { ...u, roles: roles.map((r) => r.role.name).sort() };
}
