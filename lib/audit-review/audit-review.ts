import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { defaultChainId } from '@/lib/audit/chain-id';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { checkSigner } from '@/lib/esign/check-signer';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

// Annex 11 §9: audit trails are regularly reviewed. A review covers one chain over a period,
// records the chain head when it is opened and when it is signed, and pre-lists the events that
// need a look. The reviewer may not be an actor of any listed event (nobody reviews their own
// acts), marks each listed event seen, records a finding, and closes the review with an
// electronic signature of meaning REVIEW.

/** Actions a reviewer must look at; `x.*` is every action of x. */
export const REVIEW_ACTIONS = [
  'auth.sign_in_failed',
  'auth.sign_in_refused',
  'auth.cli_failed',
  'auth.mfa_failed',
  'auth.unlock_failed',
  'auth.password_change_failed',
  'user.lock',
  'user.break_glass_unlock',
  'esign.failed',
  'esign.refused',
  'change_request.refused',
  'change_request.apply',
  'change_request.commission',
  'role.*',
  'record.edit',
  'record.retire',
  'audit.export',
  'audit.export_refused',
  'quarantine.*',
  'broker.configure',
  'broker.dynsec_command',
  'site.go_live',
] as const;

export const FINDINGS = ['none', 'observation', 'deviation'] as const;

const exact = REVIEW_ACTIONS.filter((a) => !a.endsWith('.*'));
const prefixes = REVIEW_ACTIONS.filter((a) => a.endsWith('.*')).map((a) => `${a.slice(0, -1)}%`);

export const ZOpenReview = z
  .object({
    chainId: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'Unknown chain').optional(),
    from: z.coerce.date({ error: 'The period needs a start' }),
    to: z.coerce.date({ error: 'The period needs an end' }),
  })
  .refine((v) => v.to > v.from, { message: 'The period must end after it starts', path: ['to'] });

export async function openReview(db: TDb, user: TCurrentUser, input: unknown, now = new Date()) {
  requirePermission(user, 'audit.review');
  const p = ZOpenReview.safeParse(input);
  if (!p.success) throw new AppError('BAD_REQUEST', p.error.issues[0].message, { [String(p.error.issues[0].path[0] ?? 'from')]: p.error.issues[0].message });
  const chainId = p.data.chainId ?? defaultChainId();
  if (p.data.to > now) throw new AppError('BAD_REQUEST', 'A review covers a period that has ended', { to: 'in the future' });
  return db.$transaction(async (tx) => {
    const head = await tx.$queryRaw<Array<{ seq: bigint; hash: Uint8Array }>>`
      SELECT seq, hash FROM audit_events WHERE chain_id = ${chainId} ORDER BY seq DESC LIMIT 1`;
    if (!head[0]) throw new AppError('BAD_REQUEST', `Chain ${chainId} has no events`, { chainId: 'empty' });
    const items = await tx.$queryRaw<Array<{ seq: bigint; action: string; actor_id: string; occurred_at: Date }>>`
      SELECT seq, action, actor_id, occurred_at FROM audit_events
       WHERE chain_id = ${chainId} AND occurred_at >= ${p.data.from} AND occurred_at < ${p.data.to}
         AND (action = ANY(${exact}::text[]) OR action LIKE ANY(${prefixes}::text[]))
       ORDER BY seq`;
    // Nobody reviews their own acts: the reviewer must not appear among the listed events.
    const own = items.filter((i) => i.actor_id === user.employeeId);
    if (own.length) {
      throw new AppError('FORBIDDEN', `You are the actor of ${own.length} listed event(s) in this period (first: seq ${own[0].seq}, ${own[0].action}); another person must review it`);
    }
    const [{ n }] = await tx.$queryRaw<Array<{ n: bigint }>>`SELECT nextval('audit_review_number_seq') AS n`;
    const number = `AR-${String(n).padStart(6, '0')}`;
    const review = await tx.auditReview.create({
      data: {
        number,
        chainId,
        periodFrom: p.data.from,
        periodTo: p.data.to,
        startHeadSeq: head[0].seq,
        startHeadHash: head[0].hash as Uint8Array<ArrayBuffer>,
        status: 'open',
        reviewerId: user.id,
        reviewerName: user.displayName,
        items: { create: items.map((i) => ({ seq: i.seq, action: i.action, actorId: i.actor_id, occurredAt: i.occurred_at })) },
      },
      select: { id: true },
    });
    await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'audit_review.open',
        entityType: 'AuditReview',
        entityId: review.id,
        newValue: { number, chainId, from: p.data.from.toISOString(), to: p.data.to.toISOString(), startHeadSeq: head[0].seq.toString(), listed: items.length },
      },
    ]);
    return { id: review.id, number, listed: items.length };
  });
}

async function openOf(db: TDb, user: TCurrentUser, id: string) {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND', 'Review not found');
  const r = await db.auditReview.findUnique({ where: { id }, select: { id: true, status: true, reviewerId: true, number: true, chainId: true } });
  if (!r) throw new AppError('NOT_FOUND', 'Review not found');
  if (r.reviewerId !== user.id) throw new AppError('FORBIDDEN', 'Only the reviewer who opened this review may work on it');
  if (r.status !== 'open') throw new AppError('CONFLICT', `${r.number} is closed`);
  return r;
}

/** Marks listed events seen (by seq); unknown seqs are refused. */
export async function markSeen(db: TDb, user: TCurrentUser, input: { id: string; seqs: unknown }) {
  requirePermission(user, 'audit.review');
  const r = await openOf(db, user, input.id);
  const seqs = z.array(z.coerce.bigint()).min(1, 'Choose the events you have looked at').max(500).safeParse(input.seqs);
  if (!seqs.success) throw new AppError('BAD_REQUEST', seqs.error.issues[0].message, { seqs: 'invalid' });
  const n = await db.auditReviewItem.updateMany({ where: { reviewId: r.id, seq: { in: seqs.data }, seenAt: null }, data: { seenAt: new Date() } });
  return { marked: n.count };
}

export const ZCloseReview = z.object({
  id: z.uuid('Review not found'),
  finding: z.enum(FINDINGS, { error: 'Record the finding: none, observation or deviation' }),
  findingText: z.string().trim().max(5000).optional().default(''),
  employeeId: z.string().max(64).optional(),
  password: z.string().max(1024).optional(),
});

/** Closes the review with the reviewer's electronic signature (REVIEW), once every listed event is seen. */
export async function closeReview(db: TDb, user: TCurrentUser, input: unknown) {
  requirePermission(user, 'audit.review');
  const p = ZCloseReview.safeParse(input);
  if (!p.success) throw new AppError('BAD_REQUEST', p.error.issues[0].message, { [String(p.error.issues[0].path[0])]: p.error.issues[0].message });
  const r = await openOf(db, user, p.data.id);
  if (p.data.finding !== 'none' && !p.data.findingText) throw new AppError('BAD_REQUEST', 'Describe the observation or deviation', { findingText: 'required' });
  const unseen = await db.auditReviewItem.count({ where: { reviewId: r.id, seenAt: null } });
  if (unseen) throw new AppError('CONFLICT', `${unseen} listed event(s) are not marked seen yet`);
  const contextRef = `AuditReview:${r.id}/close`;
  const signer = await db.$transaction((tx) => checkSigner(tx, user, p.data, { contextRef }), { maxWait: 60_000, timeout: 60_000 });
  if (!signer.ok) throw new AppError(signer.locked ? 'LOCKED' : 'BAD_REQUEST', signer.message, signer.locked ? undefined : { password: signer.message });
  return db.$transaction(async (tx) => {
    const [head] = await tx.$queryRaw<Array<{ seq: bigint; hash: Uint8Array }>>`
      SELECT seq, hash FROM audit_events WHERE chain_id = ${r.chainId} ORDER BY seq DESC LIMIT 1`;
    const role = signer.signer.roles.join(', ') || '(no role)';
    const [ev] = await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'audit_review.close',
        entityType: 'AuditReview',
        entityId: r.id,
        newValue: {
          number: r.number,
          finding: p.data.finding,
          findingText: p.data.findingText || null,
          endHeadSeq: head.seq.toString(),
          meaning: 'REVIEW',
          printedName: signer.signer.displayName,
          employeeId: signer.signer.employeeId,
          role,
        },
        reason: p.data.findingText || null,
        contextRef,
      },
    ]);
    const signedAt = new Date(ev.occurredAt);
    const done = await tx.auditReview.updateMany({
      where: { id: r.id, status: 'open' },
      data: {
        status: 'closed',
        finding: p.data.finding,
        findingText: p.data.findingText || null,
        endHeadSeq: head.seq,
        endHeadHash: head.hash as Uint8Array<ArrayBuffer>,
        signedAt,
        signerEmployeeId: signer.signer.employeeId,
        signerRole: role,
        auditSeq: ev.seq,
      },
    });
    if (done.count !== 1) throw new AppError('CONFLICT', `${r.number} was closed meanwhile`);
    return { number: r.number, signedAt, auditSeq: ev.seq };
  });
}

/** Reviews, newest period first, with their progress; and one review with its items (paged). */
export async function listReviews(db: TDb, user: TCurrentUser, opts: { page?: number; pageSize?: number } = {}) {
  requirePermission(user, 'audit.read');
  const pageSize = Math.min(100, Math.max(5, opts.pageSize ?? 25));
  const page = Math.max(1, opts.page ?? 1);
  const [total, rows] = await Promise.all([
    db.auditReview.count(),
    db.auditReview.findMany({
      orderBy: [{ periodTo: 'desc' }, { id: 'asc' }],
      skip: (page - 1) * pageSize,
      take: pageSize,
      select: { id: true, number: true, chainId: true, periodFrom: true, periodTo: true, status: true, reviewerName: true, finding: true, signedAt: true, _count: { select: { items: true } } },
    }),
  ]);
  return { total, page, pageSize, rows: rows.map((r) => ({ ...r, listed: r._count.items })) };
}

export async function getReview(db: TDb, user: TCurrentUser, id: string, opts: { page?: number; pageSize?: number } = {}) {
  requirePermission(user, 'audit.read');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND', 'Review not found');
  const r = await db.auditReview.findUnique({ where: { id } });
  if (!r) throw new AppError('NOT_FOUND', 'Review not found');
  const pageSize = Math.min(200, Math.max(10, opts.pageSize ?? 50));
  const page = Math.max(1, opts.page ?? 1);
  const [listed, unseen, items] = await Promise.all([
    db.auditReviewItem.count({ where: { reviewId: id } }),
    db.auditReviewItem.count({ where: { reviewId: id, seenAt: null } }),
    db.auditReviewItem.findMany({ where: { reviewId: id }, orderBy: { seq: 'asc' }, skip: (page - 1) * pageSize, take: pageSize }),
  ]);
  return { ...r, listed, unseen, page, pageSize, items, mine: r.reviewerId === user.id };
}

/**
 * Overdue: the newest closed review of the default chain ended more than
 * CUSTOS_REVIEW_INTERVAL_DAYS (default 30) before now, or a gap lies between two reviewed
 * periods. Returns what is wrong (the alert job raises it), or null.
 */
export async function reviewCoverage(db: TDb, now = new Date(), env: NodeJS.ProcessEnv = process.env): Promise<{ overdue: boolean; gaps: Array<{ from: Date; to: Date }>; lastTo: Date | null; intervalDays: number } | null> {
  const intervalDays = Number(env.CUSTOS_REVIEW_INTERVAL_DAYS ?? 30);
  if (!Number.isFinite(intervalDays) || intervalDays <= 0) return null;
  const closed = await db.auditReview.findMany({ where: { chainId: defaultChainId(), status: 'closed' }, orderBy: { periodFrom: 'asc' }, select: { periodFrom: true, periodTo: true } });
  const first = await db.auditEvent.findFirst({ where: { chainId: defaultChainId() }, orderBy: { seq: 'asc' }, select: { occurredAt: true } });
  if (!first) return null;
  const gaps: Array<{ from: Date; to: Date }> = [];
  let end: Date | null = null;
  for (const c of closed) {
    if (end && c.periodFrom > end) gaps.push({ from: end, to: c.periodFrom });
    if (!end || c.periodTo > end) end = c.periodTo;
  }
  const since = end ?? new Date(first.occurredAt);
  const overdue = now.getTime() - since.getTime() > intervalDays * 86_400_000;
  return { overdue, gaps, lastTo: end, intervalDays };
}
