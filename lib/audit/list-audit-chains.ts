import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

/** Every audit chain of this database (the site's, the broker's, …) with its head. */
export async function listAuditChains(db: TDb, user: TCurrentUser): Promise<Array<{ chainId: string; headSeq: string }>> {
  requirePermission(user, 'audit.read');
  const rows = await db.auditChainHead.findMany({ orderBy: { chainId: 'asc' }, select: { chainId: true, seq: true } });
  return rows.map((r) => ({ chainId: r.chainId, headSeq: r.seq.toString() }));
}
