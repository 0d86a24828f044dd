import { defaultChainId } from '@/lib/audit/chain-id';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { contextOf } from '@/lib/change-requests/context';
import { CR_KIND_CONFIG, type TCrKind } from '@/lib/change-requests/kinds';
import { explainRefusal } from '@/lib/change-requests/rules';
import { open } from '@/lib/crypto/secret-box';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/** One request with its payload diff (before → after), decisions (signature manifestations) and audit trail. */
export async function getChangeRequest(db: TDb, user: TCurrentUser, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND', 'Change request not found');
  const cr = await db.changeRequest.findUnique({
    where: { id },
    include: {
      decisions: { orderBy: { signedAt: 'asc' } },
    },
  });
  if (!cr) throw new AppError('NOT_FOUND', 'Change request not found');
  const involved = cr.requesterId === user.id || cr.deciderIds.includes(user.id);
  if (!involved && !user.permissions.has('change_requests.read') && !user.permissions.has('change_requests.approve')) {
    throw new AppError('FORBIDDEN', 'You do not have the permission change_requests.read');
  }
  const audit = await db.auditEvent.findMany({
    where: { chainId: defaultChainId(), entityType: 'ChangeRequest', entityId: id },
    orderBy: { seq: 'asc' },
    select: { seq: true, occurredAt: true, actorId: true, actorName: true, action: true, reason: true, contextRef: true },
  });
  const payloadHash = Buffer.from(cr.payloadHash).toString('hex');
  const ctx = contextOf(cr);
  const now = new Date().toISOString();
  const event = { actorId: user.id, permissions: [...user.permissions], payloadHash, now };
  const cannotDecide =
    cr.status !== 'submitted'
      ? `This request is ${cr.status}`
      : !user.permissions.has('change_requests.approve')
        ? 'You do not have the permission change_requests.approve'
        : explainRefusal(ctx, event as never, 'approve');
  return {
    id: cr.id,
    number: cr.number,
    kind: cr.kind as TCrKind,
    kindLabel: CR_KIND_CONFIG[cr.kind as TCrKind]?.label ?? cr.kind,
    status: cr.status,
    requesterId: cr.requesterId,
    requesterName: cr.requesterName,
    targetLabel: cr.targetLabel,
    reason: cr.reason,
    before: cr.beforeState as Record<string, unknown> | null,
    payload: cr.payload as Record<string, unknown>,
    payloadHash,
    requiredApprovals: cr.requiredApprovals,
    requiredPermissions: cr.requiredPermissions,
    commissioning: cr.commissioning,
    approvals: cr.approverIds.length,
    expiresAt: cr.expiresAt,
    createdAt: cr.createdAt,
    decidedAt: cr.decidedAt,
    appliedAt: cr.appliedAt,
    failureReason: cr.failureReason,
    hasSecret: Boolean(cr.secretEnc) && !cr.secretRevealedAt && cr.requesterId === user.id,
    cannotDecide,
    isRequester: cr.requesterId === user.id,
    decisions: cr.decisions.map((d) => ({
      id: d.id,
      decision: d.decision,
      meaning: d.meaning,
      printedName: d.printedName,
      employeeId: d.employeeId,
      role: d.signerRole,
      reason: d.reason,
      signedAt: d.signedAt,
      contextRef: d.contextRef,
      auditSeq: d.auditSeq.toString(),
    })),
    audit: audit.map((a) => ({ ...a, seq: a.seq.toString() })),
  };
}

/** The one-time password of an applied user creation or reset, shown once to the requester. */
export async function revealChangeSecret(db: TDb, user: TCurrentUser, id: string): Promise<string> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND', 'Change request not found');
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ requester_id: string; secret_enc: string | null; secret_revealed_at: Date | null }>>`
      SELECT requester_id, secret_enc, secret_revealed_at FROM change_requests WHERE id = ${id}::uuid FOR UPDATE`;
    const r = rows[0];
    if (!r || r.requester_id !== user.id) throw new AppError('FORBIDDEN', 'Only the requester can see the one-time password');
    if (!r.secret_enc || r.secret_revealed_at) throw new AppError('CONFLICT', 'The one-time password was already shown');
    await tx.changeRequest.update({ where: { id }, data: { secretRevealedAt: new Date(), secretEnc: null }, select: { id: true } });
    // Who saw the one-time password, and when (never the password itself).
    await appendAudit(tx, [
      { actor: userActor(user, user.sessionId), action: 'change_request.secret_shown', entityType: 'ChangeRequest', entityId: id, contextRef: `ChangeRequest:${id}` },
    ]);
    return open(r.secret_enc, `cr:${id}`).toString('utf8');
  });
}
