import NextAuth from 'next-auth';
import { NextRequest } from 'next/server';
import { authOptions } from '@/lib/auth/next-auth-options';
import { AppError } from '@/lib/errors/app-error';
import { toErrorResponse } from '@/lib/http/error-response';
import { readBodyLimited } from '@/lib/http/read-body';
import { assertSameOrigin } from '@/lib/http/same-origin';
import { authConfig } from '@/lib/auth/auth-config';
import { publicSession } from '@/lib/auth/public-session';
import { msgThrottled } from '@/lib/auth/authenticate';
import { peekThrottle, throttleKeys } from '@/lib/auth/throttle';
import { clientAddress } from '@/lib/http/client-address';

type TCtx = { params: Promise<{ nextauth: string[] }> };

const BODY_LIMIT = 16 * 1024;
const handler = (req: NextRequest, ctx: TCtx) => NextAuth(req, ctx, authOptions());

export const dynamic = 'force-dynamic';

/** next-auth's GET routes; `/api/auth/session` answers without the session id (page JavaScript never sees it). */
export async function GET(req: NextRequest, ctx: TCtx) {
  const res = await handler(req, ctx);
  if ((await ctx.params).nextauth.join('/') !== 'session') return res;
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  return Response.json(publicSession(body), { status: res.status, headers });
}

/** Refuses cross-site posts, oversized bodies and non-string credential values before next-auth sees them. */
export async function POST(req: NextRequest, ctx: TCtx) {
  try {
    assertSameOrigin(req);
    const text = await readBodyLimited(req, BODY_LIMIT);
    const type = req.headers.get('content-type') ?? '';
    if (type.includes('application/json')) {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new AppError('BAD_REQUEST', 'Request body is not valid JSON');
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('BAD_REQUEST', 'Request body must be a JSON object');
      for (const [k, v] of Object.entries(body)) {
        if (typeof v !== 'string') throw new AppError('BAD_REQUEST', `Field ${k} must be a string`);
      }
    }
    if ((await ctx.params).nextauth.join('/') === 'callback/credentials') {
      // Past the rate, refused before next-auth, the database or any hashing (429 + Retry-After).
      const employeeId = credentialField(text, type, 'employeeId');
      const over = peekThrottle(throttleKeys({ employeeId, ip: clientAddress(req.headers.get('x-forwarded-for')) }), authConfig().ratePerMinute);
      if (over) {
        const message = msgThrottled(over.retryAfterS);
        // `url` carries the error the way next-auth's client reads it, so the form shows the message.
        const url = new URL(`/login?error=${encodeURIComponent(`THROTTLED|${message}`)}`, req.url).toString();
        return Response.json(
          { error: { code: 'RATE_LIMITED', message }, url },
          { status: 429, headers: { 'retry-after': String(over.retryAfterS), 'cache-control': 'no-store' } },
        );
      }
    }
    const forwarded = new NextRequest(req.url, { method: 'POST', headers: req.headers, body: text });
    return await handler(forwarded, ctx);
  } catch (e) {
    return toErrorResponse(e);
  }
}

function credentialField(text: string, type: string, name: string): string | null {
  if (type.includes('application/json')) {
    const v = (JSON.parse(text) as Record<string, unknown>)[name];
    return typeof v === 'string' ? v : null;
  }
  return new URLSearchParams(text).get(name);
}
