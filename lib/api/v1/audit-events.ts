import { parseAuditFilter } from '@/lib/audit/audit-filter';
import { queryAudit, type TAuditPage } from '@/lib/audit/query-audit';
import { ZAuditPageParams, fieldsOf } from '@/lib/api/v1/schemas';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

/** The audit viewer's query (its filters, keyset paging) over /api/v1 (audit.read). */
export async function auditEventsPage(db: TDb, user: TCurrentUser, params: URLSearchParams): Promise<TAuditPage> {
  requirePermission(user, 'audit.read');
  const f = parseAuditFilter(params);
  if (!f.ok) throw new AppError('BAD_REQUEST', `Invalid ${f.message}`, { [f.field]: f.message });
  const p = ZAuditPageParams.safeParse(Object.fromEntries(['before', 'after', 'dir', 'limit'].filter((k) => params.has(k)).map((k) => [k, params.get(k)])));
  if (!p.success) {
    const fields = fieldsOf(p.error);
    throw new AppError('BAD_REQUEST', `Invalid ${Object.keys(fields)[0]}: ${Object.values(fields)[0]}`, fields);
  }
  const q = p.data;
  return queryAudit(db, user, { filter: f.filter, before: q.before ? BigInt(q.before) : undefined, after: q.after ? BigInt(q.after) : undefined, dir: q.dir, limit: q.limit });
}
