import type { TAuditFilter } from '@/lib/audit/audit-filter';
import { auditPageSeqs } from '@/lib/audit/audit-sql';
import { defaultChainId } from '@/lib/audit/chain-id';
import { dateRangeIsSeqRange } from '@/lib/audit/chain-time-order';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { Prisma } from '@/lib/generated/prisma/client';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TAuditRow {
  seq: string;
  occurredAt: string;
  actorType: string;
  actorId: string;
  actorName: string | null;
  actorRole: string | null;
  sessionId: string | null;
  action: string;
  entityType: string;
  entityId: string | null;
  oldValue: unknown;
  newValue: unknown;
  reason: string | null;
  contextRef: string | null;
  hash: string;
}

export interface TAuditPage {
  rows: TAuditRow[];
  /** Keyset cursors: pass as `before` (older) / `after` (newer). */
  older: string | null;
  newer: string | null;
  headSeq: string;
}

/**
 * Keyset pagination over the chain, newest first (or oldest first with dir=asc): every page is
 * an index range scan, so page 1 and page 10,000 cost the same and rows appended meanwhile never
 * shift a page (each row appears exactly once).
 */
export async function queryAudit(
  db: TDb,
  user: TCurrentUser,
  opts: { filter: TAuditFilter; before?: bigint; after?: bigint; dir?: 'desc' | 'asc'; limit?: number; chainId?: string },
): Promise<TAuditPage> {
  requirePermission(user, 'audit.read');
  const chainId = opts.chainId ?? defaultChainId();
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 500);
  const dir = opts.dir ?? 'desc';
  // Fetch toward older rows (seq < before) or toward newer rows (seq > after); display in `dir`.
  const fetchNewer = opts.after !== undefined || (opts.before === undefined && dir === 'asc');
  const timeOrdered = await dateRangeIsSeqRange(db, chainId, opts.filter);
  const pageSeqs = auditPageSeqs(chainId, opts.filter, { before: opts.before, after: opts.after, ascending: fetchNewer, limit: limit + 1 }, { timeOrdered });
  const order = fetchNewer ? Prisma.sql`ORDER BY seq ASC` : Prisma.sql`ORDER BY seq DESC`;
  const rows = await db.$queryRaw<
    Array<{
      seq: bigint;
      occurred_at: string;
      actor_type: string;
      actor_id: string;
      actor_name: string | null;
      actor_role: string | null;
      session_id: string | null;
      action: string;
      entity_type: string;
      entity_id: string | null;
      old_value: unknown;
      new_value: unknown;
      reason: string | null;
      context_ref: string | null;
      hash: Uint8Array;
    }>
  >`SELECT seq, cj ->> 'occurred_at' AS occurred_at, cj ->> 'actor_type' AS actor_type, cj ->> 'actor_id' AS actor_id,
       cj ->> 'actor_name' AS actor_name, cj ->> 'actor_role' AS actor_role, cj ->> 'session_id' AS session_id, cj ->> 'action' AS action,
       cj ->> 'entity_type' AS entity_type, cj ->> 'entity_id' AS entity_id, nullif(cj -> 'old_value', 'null'::jsonb) AS old_value,
       nullif(cj -> 'new_value', 'null'::jsonb) AS new_value, cj ->> 'reason' AS reason, cj ->> 'context_ref' AS context_ref, hash
     FROM audit_events CROSS JOIN LATERAL (SELECT audit_events.canonical::jsonb AS cj) AS x WHERE chain_id = ${chainId} AND seq = ANY(ARRAY(${pageSeqs})) ${order}`;
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  page.sort((a, b) => (dir === 'desc' ? Number(b.seq - a.seq) : Number(a.seq - b.seq)));
  const head = await db.auditChainHead.findUnique({ where: { chainId }, select: { seq: true } });
  const mapped: TAuditRow[] = page.map((r) => ({
    seq: r.seq.toString(),
    occurredAt: r.occurred_at,
    actorType: r.actor_type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    actorRole: r.actor_role,
    sessionId: r.session_id,
    action: r.action,
    entityType: r.entity_type,
    entityId: r.entity_id,
    oldValue: r.old_value,
    newValue: r.new_value,
    reason: r.reason,
    contextRef: r.context_ref,
    hash: Buffer.from(r.hash).toString('hex'),
  }));
  const seqs = page.map((r) => r.seq);
  const min = seqs.length ? seqs.reduce((a, b) => (a < b ? a : b)).toString() : null;
  const max = seqs.length ? seqs.reduce((a, b) => (a > b ? a : b)).toString() : null;
  const hasOlder = fetchNewer ? opts.after !== undefined : more;
  const hasNewer = fetchNewer ? more : opts.before !== undefined;
  return {
    rows: mapped,
    older: hasOlder ? (min ?? (opts.after !== undefined ? (opts.after + 1n).toString() : null)) : null,
    newer: hasNewer ? (max ?? (opts.before !== undefined ? (opts.before - 1n).toString() : null)) : null,
    headSeq: (head?.seq ?? 0n).toString(),
  };
}
