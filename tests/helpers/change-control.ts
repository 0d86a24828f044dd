import { expect } from 'vitest';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import type { TDb } from '@/lib/db/client';
import { makeUser, sessionUser } from '@/tests/helpers/users';

/** An administrator signed in through the real service: who requests and approves changes. */
export type TAdmin = Awaited<ReturnType<typeof makeUser>> & { s: Awaited<ReturnType<typeof sessionUser>> };

export async function makeAdmin(db: TDb): Promise<TAdmin> {
  const u = await makeUser(db, { roles: ['Administrator'], prefix: 'ADM' });
  return { ...u, s: await sessionUser(db, u) };
}

/** `who` approves request `id`, signing with their own password. */
export async function approve(db: TDb, who: TAdmin, id: string) {
  const cr = await getChangeRequest(db, who.s, id);
  return decideChangeRequest(db, who.s, { id, decision: 'approve', payloadHash: cr.payloadHash, employeeId: who.employeeId, password: who.password, reason: '' });
}

/**
 * A change through four eyes, as on a live site: requested by `by`, approved by the first
 * approver (and the second when the kind needs two); it must end applied.
 */
export async function applyChange(db: TDb, by: TAdmin, approvers: [TAdmin, TAdmin], kind: string, payload: Record<string, unknown>) {
  const cr = await requestChange(db, by.s, { kind, payload, reason: `integration ${kind}` });
  let d = await approve(db, approvers[0], cr.id);
  if (cr.requiredApprovals === 2) {
    expect(d.status).toBe('submitted');
    d = await approve(db, approvers[1], cr.id);
  }
  expect(d.status).toBe('applied');
  return cr;
}
