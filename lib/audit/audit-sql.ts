import { Prisma } from '@/lib/generated/prisma/client';
import type { TAuditFilter } from '@/lib/audit/audit-filter';

/** The WHERE clause of a filter (parameterized), shared by the viewer and every export. */
export function auditWhere(chainId: string, f: TAuditFilter): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`chain_id = ${chainId}`];
  if (f.actor) parts.push(Prisma.sql`actor_id = ${f.actor}`);
  if (f.action) {
    if (f.action.endsWith('*')) parts.push(Prisma.sql`action LIKE ${f.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + '%'}`);
    else parts.push(Prisma.sql`action = ${f.action}`);
  }
  if (f.entityType) parts.push(Prisma.sql`entity_type = ${f.entityType}`);
  if (f.entityId) parts.push(Prisma.sql`entity_id = ${f.entityId}`);
  if (f.contextRef) parts.push(Prisma.sql`context_ref = ${f.contextRef}`);
  if (f.from) parts.push(Prisma.sql`occurred_at >= ${new Date(f.from)}`);
  if (f.to) parts.push(Prisma.sql`occurred_at <= ${endOf(f.to)}`);
  if (f.fromSeq) parts.push(Prisma.sql`seq >= ${BigInt(f.fromSeq)}`);
  if (f.toSeq) parts.push(Prisma.sql`seq <= ${BigInt(f.toSeq)}`);
  // reason_tsv = to_tsvector('simple', coalesce(reason, '')), stored (migration 20261122030000_audit_indexes).
  if (f.q) parts.push(Prisma.sql`reason_tsv @@ plainto_tsquery('simple', ${f.q})`);
  return Prisma.join(parts, ' AND ');
}

/**
 * The seqs of one keyset page (seq < before, or seq > after; `limit` of them, in fetch order).
 * Run as `seq = ANY(ARRAY(<this>))`: the page's seqs come from the filter's own index, which
 * ends in seq, without reading a single row (an index-only scan), and only the rows of the page
 * are then read. Reading rows while searching cost a heap fetch for every candidate: for a date
 * range, every event of the range (13,700 a day on a 10-million-event trail) before the top-N
 * sort kept 50 of them (bench/audit.ts).
 */
export function auditPageSeqs(chainId: string, f: TAuditFilter, page: { before?: bigint; after?: bigint; ascending: boolean; limit: number }): Prisma.Sql {
  const cursor = page.after !== undefined ? Prisma.sql`AND seq > ${page.after}` : page.before !== undefined ? Prisma.sql`AND seq < ${page.before}` : Prisma.empty;
  const order = page.ascending ? Prisma.sql`ORDER BY seq ASC` : Prisma.sql`ORDER BY seq DESC`;
  return Prisma.sql`SELECT seq FROM audit_events WHERE ${auditWhere(chainId, f)} ${cursor} ${order} LIMIT ${page.limit}`;
}

/** A bare date as "to" means the whole day. */
function endOf(to: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(`${to}T23:59:59.999999Z`) : new Date(to);
}
