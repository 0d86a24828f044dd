import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { Ingestor } from '@/lib/ingest/ingestor';
import { requirePermission } from '@/lib/rbac/require-permission';

const ZDecision = z.object({
  id: z.string().regex(/^\d{1,18}$/, 'Unknown quarantine entry'),
  decision: z.enum(['reinject', 'discard'], { error: 'Choose re-inject or discard' }),
  reason: z.string().trim().min(3, 'Give the reason').max(2000),
});

/**
 * Re-inject (e.g. after the device's key was registered) runs the sealed bytes through the
 * normal pipeline again; discard keeps them and records why they were not used. Both are
 * permission-checked and audited; the quarantined bytes themselves never change.
 */
export async function decideQuarantine(
  db: TDb,
  user: TCurrentUser,
  input: unknown,
  /** The electronic signature the decision was given with (lib/telemetry/sign-quarantine-decision.ts), recorded in its audit event. */
  signature?: Record<string, string>,
): Promise<{ status: string; telemetryStored: boolean; reason?: string }> {
  requirePermission(user, 'quarantine.manage');
  const p = ZDecision.safeParse(input);
  if (!p.success) {
    const fields: Record<string, string> = {};
    for (const i of p.error.issues) fields[String(i.path[0])] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const { id, decision, reason } = p.data;
  const row = await db.quarantine.findUnique({ where: { id: BigInt(id) }, select: { status: true, raw: true, source: true, topic: true } });
  if (!row) throw new AppError('NOT_FOUND', 'Unknown quarantine entry');
  if (row.status !== 'held') throw new AppError('CONFLICT', `This entry was already ${row.status}`);
  const actor = userActor(user, user.sessionId);
  let telemetryStored = false;
  let telemetryId: bigint | null = null;
  if (decision === 'reinject') {
    const ingestor = new Ingestor(db);
    await ingestor.keys.load();
    const r = await ingestor.ingest([{ source: row.source as 'mqtt' | 'http', topic: row.topic, raw: Buffer.from(row.raw), receivedAt: new Date() }]);
    const v = r.verdicts[0];
    if (!v.ok) {
      // Still not acceptable: the new rejection was quarantined again; this entry stays held.
      await db.$transaction((tx) =>
        appendAudit(tx, [{ actor, action: 'quarantine.reinject_failed', entityType: 'Quarantine', entityId: id, reason: `${reason} — still rejected: ${v.reason}`, ...(signature ? { newValue: signature, contextRef: `Quarantine:${id}/reinject` } : {}) }]),
      );
      return { status: 'held', telemetryStored: false, reason: v.reason };
    }
    telemetryStored = r.stored > 0;
    // Link the sealed entry to the reading it became (stored now, or already stored before).
    if (v.dedupKey) {
      const key = await db.telemetryKey.findUnique({ where: { dedupKey: Buffer.from(v.dedupKey, 'hex') }, select: { telemetryId: true } });
      telemetryId = key?.telemetryId ?? null;
    }
  }
  await db.$transaction(async (tx) => {
    const updated = await tx.quarantine.updateMany({
      where: { id: BigInt(id), status: 'held' },
      data: { status: decision === 'reinject' ? 'reinjected' : 'discarded', decidedBy: user.employeeId, decidedAt: new Date(), decisionReason: reason, telemetryId },
    });
    if (updated.count !== 1) throw new AppError('CONFLICT', 'This entry was decided meanwhile');
    await appendAudit(tx, [
      { actor, action: `quarantine.${decision}`, entityType: 'Quarantine', entityId: id, oldValue: { status: 'held' }, newValue: { status: decision === 'reinject' ? 'reinjected' : 'discarded', telemetryStored, telemetryId: telemetryId?.toString() ?? null, ...signature }, reason, ...(signature ? { contextRef: `Quarantine:${id}/${decision}` } : {}) },
    ]);
  });
  return { status: decision === 'reinject' ? 'reinjected' : 'discarded', telemetryStored };
}
