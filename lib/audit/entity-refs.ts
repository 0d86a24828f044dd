import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The human references of the entities a page of audit events names — `Record:<uuid>` →
 * `BR-000005`, `ChangeRequest:<uuid>` → `CR-000003`, `User:<uuid>` → the employee ID — keyed by
 * `Type:id`. Entities named in a context ref (`Record:<uuid>/v2`) are included. Three queries,
 * whatever the page size; an id that is not found is simply left out (shown as it is).
 */
export async function entityRefs(
  db: TDb,
  user: TCurrentUser,
  rows: Array<{ entityType: string; entityId: string | null; contextRef: string | null }>,
): Promise<Record<string, string>> {
  requirePermission(user, 'audit.read');
  const ids: Record<'Record' | 'ChangeRequest' | 'User', Set<string>> = { Record: new Set(), ChangeRequest: new Set(), User: new Set() };
  const note = (type: string, id: string | null | undefined) => {
    if (id && UUID.test(id) && (type === 'Record' || type === 'ChangeRequest' || type === 'User')) ids[type].add(id.toLowerCase());
  };
  for (const r of rows) {
    note(r.entityType, r.entityId);
    const m = r.contextRef ? /^(Record|ChangeRequest|User):([0-9a-f-]{36})/i.exec(r.contextRef) : null;
    if (m) note(m[1], m[2]);
  }
  const [records, crs, users] = await Promise.all([
    ids.Record.size ? db.record.findMany({ where: { id: { in: [...ids.Record] } }, select: { id: true, number: true } }) : [],
    ids.ChangeRequest.size ? db.changeRequest.findMany({ where: { id: { in: [...ids.ChangeRequest] } }, select: { id: true, number: true } }) : [],
    ids.User.size ? db.user.findMany({ where: { id: { in: [...ids.User] } }, select: { id: true, employeeId: true } }) : [],
  ]);
  const out: Record<string, string> = {};
  for (const r of records) out[`Record:${r.id}`] = r.number;
  for (const c of crs) out[`ChangeRequest:${c.id}`] = c.number;
  for (const u of users) out[`User:${u.id}`] = u.employeeId;
  return out;
}
