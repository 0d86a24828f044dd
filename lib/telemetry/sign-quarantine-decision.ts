import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { checkSigner } from '@/lib/esign/check-signer';
import { decideQuarantine } from '@/lib/ingest/decide-quarantine';
import { requirePermission } from '@/lib/rbac/require-permission';

/** The meaning of a quarantine decision's signature: the signer answers for what becomes of the bytes. */
export const QUARANTINE_MEANING = 'RESPONSIBILITY' as const;

const ZSignedDecision = z.object({
  id: z.string().regex(/^\d{1,18}$/, 'Unknown quarantine entry'),
  decision: z.enum(['reinject', 'discard'], { error: 'Choose re-inject or discard' }),
  reason: z.string().trim().min(3, 'Give the reason').max(2000, 'At most 2000 characters'),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'The entry shown is not the one stored; reload the page'),
  employeeId: z.unknown().optional(),
  password: z.unknown().optional(),
});

/**
 * Re-inject or discard, given as an electronic signature (21 CFR 11.50, 11.200(a)): the reason is
 * required, employee ID and password are re-entered in the one signing dialog, and the decision's
 * audit event carries the manifestation (printed name, employee ID, role, meaning, SHA-256 of the
 * sealed bytes). A failed signature counts toward lockout and is audited; nothing is decided.
 */
export async function signQuarantineDecision(db: TDb, user: TCurrentUser, input: unknown) {
  requirePermission(user, 'quarantine.manage');
  const p = ZSignedDecision.safeParse(input);
  if (!p.success) {
    const fields: Record<string, string> = {};
    for (const i of p.error.issues) fields[String(i.path[0]) === 'reason' ? 'comment' : String(i.path[0])] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const req = p.data;
  const entry = await db.quarantine.findUnique({ where: { id: BigInt(req.id) }, select: { status: true, rawSha256: true } });
  if (!entry) throw new AppError('NOT_FOUND', 'Unknown quarantine entry');
  if (entry.status !== 'held') throw new AppError('CONFLICT', `This entry was already ${entry.status}`);
  if (Buffer.from(entry.rawSha256).toString('hex') !== req.contentHash) throw new AppError('CONFLICT', 'The entry changed since it was shown; reload it');

  const contextRef = `Quarantine:${req.id}/${req.decision}`;
  const signer = await db.$transaction((tx) => checkSigner(tx, user, req, { contextRef }));
  if (!signer.ok) throw new AppError(signer.locked ? 'LOCKED' : 'BAD_REQUEST', signer.message, signer.locked ? undefined : { password: signer.message });

  const result = await decideQuarantine(db, user, { id: req.id, decision: req.decision, reason: req.reason }, {
    meaning: QUARANTINE_MEANING,
    printedName: signer.signer.displayName,
    employeeId: signer.signer.employeeId,
    role: signer.signer.roles.join(', ') || '(no role)',
    contentHash: req.contentHash,
  });
  // A completed signing: failures reset, and the session may sign on with the password alone.
  await db.$transaction(async (tx) => {
    await tx.session.update({ where: { id: user.sessionId }, data: { signedAt: new Date() }, select: { id: true } });
  });
  return result;
}
