import { chainParam } from '@/lib/audit/chain-param';
import { runVerification } from '@/lib/audit/run-verification';
import { userActor } from '@/lib/auth/actor';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { getPgPool } from '@/lib/db/pg-pool';
import { AppError } from '@/lib/errors/app-error';
import { toErrorResponse } from '@/lib/http/error-response';
import { readJsonObject } from '@/lib/http/json-body';
import { assertSameOrigin } from '@/lib/http/same-origin';

export const dynamic = 'force-dynamic';

const seqOf = (v: unknown, name: string): bigint | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !/^\d{1,18}$/.test(v)) throw new AppError('BAD_REQUEST', `${name} must be a whole number`, { [name]: 'invalid' });
  return BigInt(v);
};

/**
 * POST /api/audit/verify {chain?, fromSeq?, toSeq?}: verifies the chain (or a range) and streams NDJSON
 * progress lines {"progress":{verified,total}} then {"result":{…}}. The verification is audited.
 */
export async function POST(req: Request) {
  try {
    assertSameOrigin(req);
    const user = await requireUser();
    if (!user.permissions.has('audit.verify')) throw new AppError('FORBIDDEN', 'You do not have the permission audit.verify');
    const body = await readJsonObject(req);
    const fromSeq = seqOf(body.fromSeq, 'fromSeq');
    const toSeq = seqOf(body.toSeq, 'toSeq');
    const chainId = chainParam(body.chain);
    const client = await getPgPool().connect();
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (o: unknown) => controller.enqueue(enc.encode(`${JSON.stringify(o)}\n`));
        try {
          const result = await runVerification(getDb(), client, {
            actor: userActor(user, user.sessionId),
            chainId,
            fromSeq,
            toSeq,
            onProgress: (verified, total) => send({ progress: { verified, total } }),
          });
          send({ result });
        } catch (e) {
          console.error('verification failed', e);
          send({ error: 'Verification could not run; see the server log' });
        } finally {
          client.release();
          controller.close();
        }
      },
    });
    return new Response(stream, { headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' } });
  } catch (e) {
    return toErrorResponse(e);
  }
}
