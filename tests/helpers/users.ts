import { randomBytes } from 'node:crypto';
import { SYSTEM_CLI } from '@/lib/audit/events';
import type { TDb } from '@/lib/db/client';
import { createUser } from '@/lib/users/create-user';

export const TEST_PASSWORD = 'violet harbour lantern 93';

/** A unique user per test (no test depends on another's data). */
export async function makeUser(db: TDb, opts: { roles?: string[]; password?: string; mustChangePassword?: boolean; prefix?: string } = {}) {
  const employeeId = `${opts.prefix ?? 'U'}-${randomBytes(4).toString('hex')}`;
  const user = await createUser(
    db,
    {
      employeeId,
      displayName: `Test ${employeeId}`,
      roleNames: opts.roles ?? ['Operator'],
      password: opts.password ?? TEST_PASSWORD,
      mustChangePassword: opts.mustChangePassword ?? false,
    },
    SYSTEM_CLI,
  );
  return { ...user, password: opts.password ?? TEST_PASSWORD };
}

/** Signs the user in through the real service and returns the request-time view of them. */
export async function sessionUser(db: TDb, u: { employeeId: string; password: string }) {
  const { authenticate } = await import('@/lib/auth/authenticate');
  const { getSessionUser } = await import('@/lib/auth/get-session-user');
  const r = await authenticate(db, { employeeId: u.employeeId, password: u.password });
  if (!r.ok) throw new Error(`sign-in failed for ${u.employeeId}: ${r.message}`);
  const lookup = await getSessionUser(db, r.sessionId);
  if (!lookup.user) throw new Error('no session user');
  return lookup.user;
}
