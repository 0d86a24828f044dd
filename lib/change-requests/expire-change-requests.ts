import { transition } from 'xstate';
import { appendAudit } from '@/lib/audit/append-audit';
import { CR_SELECT, contextOf } from '@/lib/change-requests/context';
import { changeRequestMachine } from '@/lib/change-requests/machine';
import type { TDb } from '@/lib/db/client';

class Skip extends Error {}

/** Submitted requests past their deadline (7 days by default) end as expired. Idempotent. */
export async function expireChangeRequests(db: TDb, now = new Date()): Promise<number> {
  const due = await db.changeRequest.findMany({ where: { status: 'submitted', expiresAt: { lte: now } }, select: CR_SELECT, take: 500 });
  let n = 0;
  for (const row of due) {
    const [next] = transition(changeRequestMachine, changeRequestMachine.resolveState({ value: row.status, context: contextOf(row) }), { type: 'EXPIRE', now: now.toISOString() });
    if (next.value !== 'expired') continue;
    await db.$transaction(async (tx) => {
      // One clock: the stored decision time is the time of the audit event written with it.
      const [ev] = await appendAudit(tx, [
        {
          actor: { type: 'system', id: 'system:change-control', name: 'Custos change control' },
          action: 'change_request.expire',
          entityType: 'ChangeRequest',
          entityId: row.id,
          oldValue: { status: 'submitted' },
          newValue: { status: 'expired', expiresAt: row.expiresAt.toISOString() },
          reason: 'not decided before its deadline',
          contextRef: `ChangeRequest:${row.id}`,
        },
      ]);
      const swapped = await tx.changeRequest.updateMany({
        where: { id: row.id, version: row.version },
        data: { status: 'expired', decidedAt: new Date(ev.occurredAt), version: { increment: 1 } },
      });
      // Decided or cancelled meanwhile: nothing happened, and the event goes with the rollback.
      if (swapped.count !== 1) throw new Skip();
      n += 1;
    }).catch((e: unknown) => {
      if (!(e instanceof Skip)) throw e;
    });
  }
  return n;
}
