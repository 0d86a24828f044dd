import NextAuth from 'next-auth';
import { NextRequest } from 'next/server';
import { authOptions } from '@/lib/auth/next-auth-options';
import { AppError } from '@/lib/errors/app-error';
import { toErrorResponse } from '@/lib/http/error-response';
import { readBodyLimited } from '@/lib/http/read-body';
import { assertSameOrigin } from '@/lib/http/same-origin';

type TCtx = { params: Promise<{ nextauth: string[] }> };

const BODY_LIMIT = 16 * 1024;
const handler = (req: NextRequest, ctx: TCtx) => NextAuth(req, ctx, authOptions());

export const dynamic = 'force-dynamic';
export { handler as GET };

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
    const forwarded = new NextRequest(req.url, { method: 'POST', headers: req.headers, body: text });
    return await handler(forwarded, ctx);
  } catch (e) {
    return toErrorResponse(e);
  }
}
