import { ZAuditVerifyRequest, fieldsOf } from '@/lib/api/v1/schemas';
import { chainParam } from '@/lib/audit/chain-param';
import { runVerification, type TVerificationReport } from '@/lib/audit/run-verification';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { getPgPool } from '@/lib/db/pg-pool';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

/**
 * The audit viewer's verification over /api/v1 (audit.verify): the chain (or a seq range), its
 * checkpoints, the signatures and the derived state, recorded as `audit.verify` by the caller
 * (21 CFR 11.10(e)). One JSON answer instead of the viewer's progress stream.
 */
export async function verifyAuditV1(db: TDb, user: TCurrentUser, body: Record<string, unknown>): Promise<TVerificationReport> {
  requirePermission(user, 'audit.verify');
  const p = ZAuditVerifyRequest.safeParse(body);
  if (!p.success) {
    const fields = fieldsOf(p.error);
    throw new AppError('BAD_REQUEST', `Invalid ${Object.keys(fields)[0]}: ${Object.values(fields)[0]}`, fields);
  }
  const { chain, fromSeq, toSeq } = p.data;
  if (fromSeq && toSeq && BigInt(fromSeq) > BigInt(toSeq)) throw new AppError('BAD_REQUEST', 'Invalid toSeq: must not be below fromSeq', { toSeq: 'must not be below fromSeq' });
  const chainId = chainParam(chain);
  const client = await getPgPool().connect();
  try {
    return await runVerification(db, client, { actor: userActor(user, user.sessionId), chainId, fromSeq: fromSeq ? BigInt(fromSeq) : undefined, toSeq: toSeq ? BigInt(toSeq) : undefined });
  } finally {
    client.release();
  }
}
