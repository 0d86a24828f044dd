import { randomUUID } from 'node:crypto';
import { transition } from 'xstate';
import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { applyChange } from '@/lib/change-requests/apply-change';
import { currentPermissions, loadAuthorityFacts, missingPermissions, requestAuthority } from '@/lib/change-requests/authority';
import { CR_SELECT, contextOf } from '@/lib/change-requests/context';
import type { TCrKind } from '@/lib/change-requests/kinds';
import { changeRequestMachine, type TCrEvent, type TCrStatus } from '@/lib/change-requests/machine';
import { explainRefusal } from '@/lib/change-requests/rules';
import type { TDb, TTx } from '@/lib/db/client';
import { checkSigner, signerError } from '@/lib/esign/check-signer';
import { AppError } from '@/lib/errors/app-error';
import { contentHashOf } from '@/lib/records/content-hash';
import { requirePermission } from '@/lib/rbac/require-permission';

export const ZDecide = z.object({
  id: z.uuid('Unknown change request'),
  decision: z.enum(['approve', 'reject'], { error: 'Choose approve or reject' }),
  payloadHash: z.string().regex(/^[0-9a-f]{64}$/, 'The payload you reviewed is missing'),
  reason: z.string().trim().max(2000).optional().default(''),
  employeeId: z.string().max(64).optional(),
  password: z.string().max(1024).optional(),
});

class CasConflict extends Error {}

export interface TDecisionResult {
  status: TCrStatus;
  decisionId: string;
  failureReason: string | null;
}

/**
 * A decision is an electronic signature (APPROVAL / REJECTION, credentials re-entered). The
 * XState machine decides; the row is written with a compare-and-swap on `version` together with
 * the decision, its audit event and — when the last approval arrives — the applied effect, in
 * one transaction. Concurrent decisions: exactly one transition each; a request already decided
 * answers "already decided".
 */
export async function decideChangeRequest(db: TDb, user: TCurrentUser, input: unknown): Promise<TDecisionResult> {
  requirePermission(user, 'change_requests.approve');
  const p = ZDecide.safeParse(input);
  if (!p.success) {
    const fields: Record<string, string> = {};
    for (const i of p.error.issues) fields[String(i.path[0])] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const req = p.data;
  if (req.decision === 'reject' && !req.reason) throw new AppError('BAD_REQUEST', 'A rejection needs a reason', { reason: 'required' });
  const contextRef = `ChangeRequest:${req.id}/decision:${req.decision}`;
  const event = (): TCrEvent => ({
    type: req.decision === 'approve' ? 'APPROVE' : 'REJECT',
    actorId: user.id,
    permissions: [...user.permissions],
    payloadHash: req.payloadHash,
    now: new Date().toISOString(),
  });

  // The rules first (cheap, and a refusal is evidence too): e.g. "Requester cannot approve".
  const row = await db.changeRequest.findUnique({ where: { id: req.id }, select: CR_SELECT });
  if (!row) throw new AppError('NOT_FOUND', 'Change request not found');
  if (row.status !== 'submitted') throw new AppError('CONFLICT', `This request is already decided (${row.status})`);
  const refusal = explainRefusal(contextOf(row), event() as never, req.decision);
  if (refusal) {
    await audit(db, user, req.id, 'change_request.refused', { reason: refusal, contextRef });
    throw new AppError(refusal.includes('expired') || refusal.includes('changed since') ? 'CONFLICT' : 'FORBIDDEN', refusal);
  }

  // Both signature components; a failure counts toward lockout and is committed.
  const signer = await db.$transaction((tx) => checkSigner(tx, user, req, { contextRef }), { maxWait: 60_000, timeout: 60_000 });
  if (!signer.ok) throw signerError(signer);

  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return await db.$transaction((tx) => decideInTx(tx, user, req, event(), contextRef, signer.signer), { maxWait: 60_000, timeout: 60_000 });
    } catch (e) {
      if (!(e instanceof CasConflict)) throw e;
    }
  }
  throw new AppError('CONFLICT', 'The request is being decided by others right now; reload it');
}

async function decideInTx(
  tx: TTx,
  user: TCurrentUser,
  req: z.output<typeof ZDecide>,
  event: TCrEvent,
  contextRef: string,
  signer: { employeeId: string; displayName: string; roles: string[] },
): Promise<TDecisionResult> {
  const row = await tx.changeRequest.findUnique({ where: { id: req.id }, select: { ...CR_SELECT, beforeHash: true } });
  if (!row) throw new AppError('NOT_FOUND', 'Change request not found');
  if (row.status !== 'submitted') throw new AppError('CONFLICT', `This request is already decided (${row.status})`);
  // The authority again, from the payload and today's roles: a role that gained administrative
  // permissions since submission raises the approvals needed, and what it needs is needed now.
  const payload = row.payload as Record<string, unknown>;
  const authority = requestAuthority(row.kind as TCrKind, payload, await loadAuthorityFacts(tx, row.kind as TCrKind, payload, row.targetUserId));
  const lacking = missingPermissions(user.permissions, authority.permissions);
  if (lacking.length) throw new AppError('FORBIDDEN', `Deciding on this request needs the permission ${lacking.join(' and ')}, which you do not hold`);
  const required = Math.max(row.requiredApprovals, authority.approvals);
  const snapshot = changeRequestMachine.resolveState({ value: row.status, context: { ...contextOf(row), requiredApprovals: required } });
  const [next] = transition(changeRequestMachine, snapshot, event);
  const decided = next.context.deciderIds.length > row.deciderIds.length;
  if (!decided) throw new AppError('FORBIDDEN', explainRefusal(contextOf(row), event as never, req.decision) ?? 'This decision is not allowed');
  // The stored payload must still be the one that was submitted and hashed.
  if (!contentHashOf(row.payloadCanonical).equals(Buffer.from(row.payloadHash))) {
    throw new AppError('CONFLICT', 'The stored request no longer matches its hash; it cannot be decided. Report this to QA.');
  }

  const meaning = req.decision === 'approve' ? 'APPROVAL' : 'REJECTION';
  const role = signer.roles.join(', ') || '(no role)';
  const decisionId = randomUUID();
  const [ev] = await appendAudit(tx, [
    {
      actor: userActor(user, user.sessionId),
      action: `change_request.${req.decision}`,
      entityType: 'ChangeRequest',
      entityId: row.id,
      oldValue: { status: row.status, approvals: row.approverIds.length },
      newValue: { decisionId, status: next.value, approvals: next.context.approverIds.length, meaning, printedName: signer.displayName, employeeId: signer.employeeId, role, payloadHash: req.payloadHash },
      reason: req.reason || null,
      contextRef,
    },
  ]);
  // Compare-and-swap: the first writer wins; the others re-read and see the new state (the event
  // above goes with the rollback). One clock: the decision time is the time of its audit event.
  const now = new Date(ev.occurredAt);
  const swapped = await tx.changeRequest.updateMany({
    where: { id: row.id, version: row.version },
    data: {
      status: next.value as TCrStatus,
      approverIds: next.context.approverIds,
      deciderIds: next.context.deciderIds,
      requiredApprovals: required,
      decidedAt: next.value === 'submitted' ? null : now,
      version: { increment: 1 },
      updatedAt: now,
    },
  });
  if (swapped.count !== 1) throw new CasConflict();

  await tx.changeRequestDecision.create({
    data: {
      id: decisionId,
      changeRequestId: row.id,
      deciderId: user.id,
      employeeId: signer.employeeId,
      printedName: signer.displayName,
      signerRole: role,
      decision: req.decision,
      meaning,
      reason: req.reason || null,
      signedAt: now,
      contextRef,
      payloadHash: Buffer.from(req.payloadHash, 'hex'),
      auditChainId: ev.chainId,
      auditSeq: ev.seq,
    },
    select: { id: true },
  });

  let status = next.value as TCrStatus;
  let failureReason: string | null = null;
  if (status === 'approved') {
    // Preconditions are checked again now, against the state that was reviewed; and every
    // approver must still hold what the change needs (a role removed meanwhile voids an approval).
    const held = await currentPermissions(tx, next.context.approverIds);
    const lapsed = next.context.approverIds.filter((id) => missingPermissions(held.get(id) ?? new Set<string>(), ['change_requests.approve', ...authority.permissions]).length > 0);
    const applied = lapsed.length
      ? ({ ok: false, reason: `${lapsed.length} approver(s) no longer hold the permissions this change needs; submit it again` } as const)
      : await applyChange(tx, row);
    const [final] = transition(changeRequestMachine, next, applied.ok ? { type: 'APPLIED' } : { type: 'APPLY_FAILED', reason: applied.reason });
    status = final.value as TCrStatus;
    failureReason = final.context.failureReason;
    const [applyEv] = await appendAudit(tx, [
      {
        actor: { type: 'system', id: 'system:change-control', name: 'Custos change control' },
        action: applied.ok ? 'change_request.apply' : 'change_request.apply_failed',
        entityType: row.targetUserId ? 'User' : row.targetRoleId ? 'Role' : 'ChangeRequest',
        entityId: row.targetUserId ?? row.targetRoleId ?? row.id,
        newValue: applied.ok ? { kind: row.kind, effect: applied.effect } : { kind: row.kind },
        reason: applied.ok ? `approved by ${next.context.approverIds.length} of ${required} approvers` : applied.reason,
        contextRef: `ChangeRequest:${row.id}`,
      },
    ]);
    await tx.changeRequest.update({
      where: { id: row.id },
      data: { status, appliedAt: applied.ok ? new Date(applyEv.occurredAt) : null, failureReason, secretEnc: applied.ok ? (applied.secretEnc ?? null) : null, version: { increment: 1 } },
      select: { id: true },
    });
  }
  return { status, decisionId, failureReason };
}

async function audit(db: TDb, user: TCurrentUser, id: string, action: string, opts: { reason: string; contextRef: string }) {
  await db.$transaction((tx) =>
    appendAudit(tx, [{ actor: userActor(user, user.sessionId), action, entityType: 'ChangeRequest', entityId: id, reason: opts.reason, contextRef: opts.contextRef }]),
  );
}
