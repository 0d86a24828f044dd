import { NextResponse, type NextRequest } from 'next/server';
import { ALLOWED_METHODS, checkMethod, checkServerActionBody } from '@/lib/http/request-guard';

/** Refuses bad requests (unknown methods, malformed server-action bodies) with 405/400 before any handler runs. */
export async function proxy(req: NextRequest) {
  const m = checkMethod(req.method);
  if (!m.ok) return refuse(m.status, m.message, { allow: ALLOWED_METHODS.join(', ') });
  if (req.method === 'POST' && req.headers.has('next-action')) {
    const v = checkServerActionBody(req.headers.get('content-type'), await req.clone().text());
    if (!v.ok) return refuse(v.status, v.message);
  }
  return NextResponse.next();
}

function refuse(status: number, message: string, extra: Record<string, string> = {}) {
  return NextResponse.json(
    { error: { code: status === 405 ? 'METHOD_NOT_ALLOWED' : 'BAD_REQUEST', message } },
    { status, headers: { 'cache-control': 'no-store', ...extra } },
  );
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
