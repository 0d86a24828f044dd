import type { NextAuthOptions } from 'next-auth';
import { decode } from 'next-auth/jwt';
import CredentialsProvider from 'next-auth/providers/credentials';
import { authenticate } from '@/lib/auth/authenticate';
import { authConfig } from '@/lib/auth/auth-config';
import { revokeSession } from '@/lib/auth/revoke-session';
import { sessionSecret } from '@/lib/auth/session-secret';
import { getDb } from '@/lib/db/client';
import { cleanUserAgent, clientAddress } from '@/lib/http/client-address';

const secureCookies = process.env.CUSTOS_BEHIND_TLS === '1';
const cookiePrefix = secureCookies ? '__Secure-' : '';
export const SESSION_COOKIE = `${cookiePrefix}custos.session`;

/** The session id in this browser's session cookie (a JWT only this server can read), if any. */
export async function sessionIdFromCookies(cookieHeader: string | null | undefined): Promise<string | null> {
  const raw = (cookieHeader ?? '')
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  if (!raw) return null;
  try {
    const token = await decode({ token: decodeURIComponent(raw.slice(SESSION_COOKIE.length + 1)), secret: sessionSecret() });
    return typeof token?.sid === 'string' ? token.sid : null;
  } catch {
    return null;
  }
}

/**
 * next-auth v4, Credentials + JWT. The JWT carries only the session id (`sid`); every request
 * re-checks the sessions row (lib/auth/require-user.ts), so a valid JWT for a revoked session
 * gets nothing.
 */
export function authOptions(): NextAuthOptions {
  return {
    secret: sessionSecret(),
    session: { strategy: 'jwt', maxAge: authConfig().sessionMaxHours * 3600 },
    pages: { signIn: '/login', error: '/login' },
    useSecureCookies: secureCookies,
    cookies: {
      sessionToken: {
        name: SESSION_COOKIE,
        options: { httpOnly: true, sameSite: 'strict', path: '/', secure: secureCookies },
      },
    },
    providers: [
      CredentialsProvider({
        name: 'Employee ID',
        credentials: {
          employeeId: { label: 'Employee ID', type: 'text' },
          password: { label: 'Password', type: 'password' },
          otp: { label: 'Authentication code', type: 'text' },
        },
        async authorize(credentials, req) {
          const headers = (req?.headers ?? {}) as Record<string, string | undefined>;
          const ip = clientAddress(headers['x-forwarded-for']);
          const creds = { ...credentials, otp: credentials?.otp ? credentials.otp : undefined };
          const replacesSessionId = await sessionIdFromCookies(headers.cookie);
          const r = await authenticate(getDb(), creds, { ip, userAgent: cleanUserAgent(headers['user-agent']), replacesSessionId });
          // The error text reaches the sign-in form as `CODE|message`.
          if (!r.ok) throw new Error(`${r.code}|${r.message}`);
          return { id: r.sessionId };
        },
      }),
    ],
    callbacks: {
      jwt({ token, user }) {
        // Nothing about the person goes into the token: only the session id.
        if (user) return { sid: user.id };
        return { sid: token.sid };
      },
      session({ session, token }) {
        return { expires: session.expires, sid: typeof token.sid === 'string' ? token.sid : null } as never;
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === 'string') await revokeSession(getDb(), token.sid, 'signed out');
      },
    },
  };
}
