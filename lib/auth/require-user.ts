import 'server-only';
import { cache } from 'react';
import { getServerSession } from 'next-auth';
import { redirect } from 'next/navigation';
import { getSessionUser, type TCurrentUser, type TSessionLookup } from '@/lib/auth/get-session-user';
import { authOptions } from '@/lib/auth/next-auth-options';
import type { TSessionState } from '@/lib/auth/session-rules';
import { getDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/**
 * The current request's session, looked up once per request (React cache). A malformed or
 * forged cookie reads as no session. This — not the proxy, not a layout — is the auth boundary:
 * every page, server action and route handler calls requireUser() itself.
 */
export const currentSession = cache(async (): Promise<TSessionLookup> => {
  let sid: unknown = null;
  try {
    const s = (await getServerSession(authOptions())) as { sid?: unknown } | null;
    sid = s?.sid ?? null;
  } catch {
    sid = null;
  }
  return getSessionUser(getDb(), typeof sid === 'string' ? sid : null);
});

const MESSAGES: Record<Exclude<TSessionState, 'ok'>, string> = {
  missing: 'Sign in to continue',
  revoked: 'Your session has ended — sign in again',
  expired: 'Your session has expired — sign in again',
  user_disabled: 'Account disabled — contact an administrator',
  user_locked: 'Account locked — contact an administrator',
  idle_locked: 'Session locked after inactivity — enter your password to continue',
  mfa_pending: 'Set up two-factor authentication to continue',
  must_change_password: 'Change your password to continue',
  password_expired: 'Your password has expired — change it to continue',
};

export function sessionStateMessage(state: Exclude<TSessionState, 'ok'>): string {
  return MESSAGES[state];
}

/** For server actions and route handlers: the user, or an AppError (401 / 423). */
export async function requireUser(opts: { allow?: TSessionState[] } = {}): Promise<TCurrentUser> {
  const { state, user } = await currentSession();
  if (state === 'ok' || (user && opts.allow?.includes(state))) return user!;
  if (state === 'idle_locked') throw new AppError('LOCKED', MESSAGES.idle_locked);
  throw new AppError('UNAUTHENTICATED', MESSAGES[state]);
}

/** For pages: the user, or a redirect to where the session can be brought back. */
export async function requirePageUser(path: string, opts: { allow?: TSessionState[] } = {}): Promise<TCurrentUser> {
  const { state, user } = await currentSession();
  if (state === 'ok' || (user && opts.allow?.includes(state))) return user!;
  const next = encodeURIComponent(path);
  switch (state) {
    case 'idle_locked':
      redirect(`/unlock?next=${next}`);
    case 'mfa_pending':
      redirect('/account/mfa');
    case 'must_change_password':
    case 'password_expired':
      redirect(`/account/password?next=${next}`);
    default:
      redirect(`/login?next=${next}&reason=${state}`);
  }
}
