import { transition } from 'xstate';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { CR_SELECT, contextOf } from '@/lib/change-requests/context';
import { changeRequestMachine } from '@/lib/change-requests/machine';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/** The requester withdraws an undecided request. */
export async function cancelChangeRequest(db: TDb, user: TCurrentUser, id: unknown, reason: unknown): Promise<void> {
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND', 'Change request not found');
  const why = typeof reason === 'string' ? reason.trim() : '';
  if (why.length < 3) throw new AppError('BAD_REQUEST', 'Give the reason for cancelling', { reason: 'required' });
  await db.$transaction(async (tx) => {
    const row = await tx.changeRequest.findUnique({ where: { id }, select: CR_SELECT });
    if (!row) throw new AppError('NOT_FOUND', 'Change request not found');
    const [next] = transition(changeRequestMachine, changeRequestMachine.resolveState({ value: row.status, context: contextOf(row) }), { type: 'CANCEL', actorId: user.id });
    if (next.value !== 'cancelled') {
      throw new AppError(row.requesterId === user.id ? 'CONFLICT' : 'FORBIDDEN', row.requesterId === user.id ? `This request is already ${row.status}` : 'Only the requester can cancel a request');
    }
    const swapped = await tx.changeRequest.updateMany({ where: { id, version: row.version }, data: { status: 'cancelled', decidedAt: new Date(), version: { increment: 1 } } });
    if (swapped.count !== 1) throw new AppError('CONFLICT', 'This request was decided meanwhile');
    await appendAudit(tx, [
      { actor: userActor(user, user.sessionId), action: 'change_request.cancel', entityType: 'ChangeRequest', entityId: id, oldValue: { status: row.status }, newValue: { status: 'cancelled' }, reason: why, contextRef: `ChangeRequest:${id}` },
    ]);
  });
}
