import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

const ZRetire = z.object({
  recordId: z.uuid('Unknown record'),
  reason: z.string().trim().min(3, 'Give the reason for retiring this record').max(2000),
});

/** Records are never deleted: retiring keeps every version and signature, with the reason. */
export async function retireRecord(db: TDb, user: TCurrentUser, input: unknown): Promise<void> {
  requirePermission(user, 'records.retire');
  const p = ZRetire.safeParse(input);
  if (!p.success) {
    const fields: Record<string, string> = {};
    for (const i of p.error.issues) fields[String(i.path[0])] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const { recordId, reason } = p.data;
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ status: string }>>`SELECT status FROM records WHERE id = ${recordId}::uuid FOR UPDATE`;
    if (!rows[0]) throw new AppError('NOT_FOUND', 'Record not found');
    if (rows[0].status === 'retired') throw new AppError('CONFLICT', 'This record is already retired');
    // One clock: the stored retirement time is the time of its audit event.
    const [ev] = await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'record.retire',
        entityType: 'Record',
        entityId: recordId,
        oldValue: { status: rows[0].status },
        newValue: { status: 'retired' },
        reason,
      },
    ]);
    const at = new Date(ev.occurredAt);
    await tx.record.update({
      where: { id: recordId },
      data: { status: 'retired', retiredAt: at, retiredReason: reason, updatedAt: at, rowVersion: { increment: 1 } },
      select: { id: true },
    });
  });
}
