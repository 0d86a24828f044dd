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
  if (f.q) parts.push(Prisma.sql`to_tsvector('simple', coalesce(reason, '')) @@ plainto_tsquery('simple', ${f.q})`);
  return Prisma.join(parts, ' AND ');
}

/** A bare date as "to" means the whole day. */
function endOf(to: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(to) ? new Date(`${to}T23:59:59.999999Z`) : new Date(to);
}
