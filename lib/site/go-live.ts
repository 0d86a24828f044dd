import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { checkSigner, signerError } from '@/lib/esign/check-signer';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
import { goLiveReadiness } from '@/lib/site/readiness';
import { lockSiteState, refuseUnlessCommissioning, siteState } from '@/lib/site/site-state';

export const ZGoLive = z.object({
  reason: z.string().trim().min(3, 'Give the reason for going live').max(2000),
  employeeId: z.string().max(64).optional(),
  password: z.string().max(1024).optional(),
});

export const GO_LIVE_CONTEXT = 'Site:go-live';

/**
 * Ends commissioning: an electronic signature (RESPONSIBILITY) of a person holding
 * site.commission, refused while some kind of change request could not be approved (the
 * message names each). From then on nobody provisions directly (Annex 11 §10, 21 CFR 11.10(g)).
 */
export async function goLive(db: TDb, user: TCurrentUser, input: unknown): Promise<{ wentLiveAt: Date }> {
  requirePermission(user, 'site.commission');
  const p = ZGoLive.safeParse(input);
  if (!p.success) throw new AppError('BAD_REQUEST', p.error.issues[0].message, { [String(p.error.issues[0].path[0])]: p.error.issues[0].message });
  refuseUnlessCommissioning(await siteState(db));
  const notReady = async () => {
    const r = await goLiveReadiness(db);
    return r.ready ? null : `The site cannot go live yet. ${r.kinds.flatMap((k) => (k.missing ? [k.missing] : [])).join('; ')}`;
  };
  const refusal = await notReady();
  if (refusal) throw new AppError('CONFLICT', refusal);

  const signer = await db.$transaction((tx) => checkSigner(tx, user, p.data, { contextRef: GO_LIVE_CONTEXT }), { maxWait: 60_000, timeout: 60_000 });
  if (!signer.ok) throw signerError(signer);

  return db.$transaction(
    async (tx) => {
      refuseUnlessCommissioning(await lockSiteState(tx));
      const r = await goLiveReadiness(tx);
      if (!r.ready) throw new AppError('CONFLICT', 'The site is no longer ready to go live: reload the page');
      const s = signer.signer;
      const [ev] = await appendAudit(tx, [
        {
          actor: userActor(user, user.sessionId),
          action: 'site.go_live',
          entityType: 'Site',
          entityId: 'site',
          oldValue: { phase: 'commissioning' },
          newValue: { phase: 'live', meaning: 'RESPONSIBILITY', printedName: s.displayName, employeeId: s.employeeId, role: s.roles.join(', ') || '(no role)' },
          reason: p.data.reason,
          contextRef: GO_LIVE_CONTEXT,
        },
      ]);
      const wentLiveAt = new Date(ev.occurredAt);
      await tx.siteGoLive.create({
        data: { wentLiveAt, userId: user.id, employeeId: s.employeeId, printedName: s.displayName, reason: p.data.reason, auditChainId: ev.chainId, auditSeq: ev.seq },
        select: { id: true },
      });
      return { wentLiveAt };
    },
    { maxWait: 60_000, timeout: 60_000 },
  );
}
