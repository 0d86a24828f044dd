import { describe, expect, it } from 'vitest';
import { transition } from 'xstate';
import { changeRequestMachine, type TCrEvent, type TCrStatus } from '@/lib/change-requests/machine';
import { explainRefusal, type TCrContext } from '@/lib/change-requests/rules';

const NOW = '2026-11-21T10:00:00.000Z';
const base: TCrContext = {
  kind: 'user.assign_role',
  requesterId: 'alice',
  targetUserId: 'xavier',
  payloadHash: 'h1',
  requiredApprovals: 2,
  approverIds: [],
  deciderIds: [],
  expiresAt: '2026-11-28T10:00:00.000Z',
  requiredPermissions: ['change_requests.approve', 'roles.manage'],
  failureReason: null,
};
const perms = ['change_requests.approve', 'roles.manage'];
const approve = (actorId: string, over: Partial<{ permissions: string[]; payloadHash: string; now: string }> = {}) => ({
  type: 'APPROVE' as const,
  actorId,
  permissions: perms,
  payloadHash: 'h1',
  now: NOW,
  ...over,
});


function step(status: TCrStatus, ctx: Partial<TCrContext>, event: TCrEvent) {
  const snapshot = changeRequestMachine.resolveState({ value: status, context: { ...base, ...ctx } });
  const [next] = transition(changeRequestMachine, snapshot, event);
  return { status: next.value as TCrStatus, context: next.context };
}

describe('change request machine', () => {
  it('submits only by the requester', () => {
    expect(step('draft', {}, { type: 'SUBMIT', actorId: 'alice' }).status).toBe('submitted');
    expect(step('draft', {}, { type: 'SUBMIT', actorId: 'bob' }).status).toBe('draft');
  });

  it('[4-eyes] rejects approval by the requester', () => {
    const r = step('submitted', {}, approve('alice'));
    expect(r.status).toBe('submitted');
    expect(r.context.approverIds).toEqual([]);
    expect(explainRefusal({ ...base }, approve('alice') as never, 'approve')).toBe('Requester cannot approve');
  });

  it('[4-eyes] needs two distinct approvers for a privilege-granting kind', () => {
    const one = step('submitted', {}, approve('bob'));
    expect(one).toMatchObject({ status: 'submitted', context: { approverIds: ['bob'] } });
    const again = step('submitted', one.context, approve('bob'));
    expect(again.context.approverIds).toEqual(['bob']);
    expect(explainRefusal(one.context, approve('bob') as never, 'approve')).toBe('You have already decided on this request');
    expect(step('submitted', one.context, approve('carol')).status).toBe('approved');
  });

  it('approves with one approver when one is required', () => {
    expect(step('submitted', { requiredApprovals: 1 }, approve('bob')).status).toBe('approved');
  });

  it('refuses an approver without the permissions of the kind', () => {
    expect(step('submitted', {}, approve('bob', { permissions: ['change_requests.approve'] })).status).toBe('submitted');
    expect(explainRefusal(base, approve('bob', { permissions: [] }) as never, 'approve')).toMatch(/permissions needed/);
  });

  it('refuses a decision on a payload other than the one submitted', () => {
    expect(step('submitted', {}, approve('bob', { payloadHash: 'h2' })).status).toBe('submitted');
    expect(explainRefusal(base, approve('bob', { payloadHash: 'h2' }) as never, 'approve')).toMatch(/changed since you opened it/);
  });

  it('[4-eyes] an administrator never approves a change to their own account', () => {
    expect(step('submitted', {}, approve('xavier')).status).toBe('submitted');
    expect(explainRefusal(base, approve('xavier') as never, 'approve')).toMatch(/own account/);
  });

  it('refuses decisions after expiry, and EXPIRE only after the deadline', () => {
    const late = '2026-12-01T00:00:00.000Z';
    expect(step('submitted', {}, approve('bob', { now: late })).status).toBe('submitted');
    expect(step('submitted', {}, { type: 'EXPIRE', now: NOW }).status).toBe('submitted');
    expect(step('submitted', {}, { type: 'EXPIRE', now: late }).status).toBe('expired');
  });

  it('rejects with one decision; the requester can only cancel', () => {
    const ev = { ...approve('bob'), type: 'REJECT' as const };
    expect(step('submitted', {}, ev).status).toBe('rejected');
    expect(step('submitted', {}, { ...ev, actorId: 'alice' }).status).toBe('submitted');
    expect(step('submitted', {}, { type: 'CANCEL', actorId: 'bob' }).status).toBe('submitted');
    expect(step('submitted', {}, { type: 'CANCEL', actorId: 'alice' }).status).toBe('cancelled');
  });

  it('ends approved requests as applied or failed (with the reason)', () => {
    expect(step('approved', {}, { type: 'APPLIED' }).status).toBe('applied');
    const failed = step('approved', {}, { type: 'APPLY_FAILED', reason: 'target changed' });
    expect(failed).toMatchObject({ status: 'failed', context: { failureReason: 'target changed' } });
  });

  it('every terminal state accepts no further event', () => {
    for (const s of ['applied', 'rejected', 'cancelled', 'expired', 'failed'] as const) {
      for (const e of [approve('bob'), { type: 'CANCEL', actorId: 'alice' } as const, { type: 'APPLIED' } as const]) {
        expect(step(s, {}, e).status).toBe(s);
      }
    }
  });
});
