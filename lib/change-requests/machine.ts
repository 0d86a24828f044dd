import { and, assign, setup } from 'xstate';
import { guardFns, type TCrContext, type TDecisionEvent } from '@/lib/change-requests/rules';

// The single definition of the four-eyes rules. Never run as a long-lived actor: the service
// resolves the stored snapshot (status + context columns), applies one event with
// `transition()`, and stores the result with a compare-and-swap on `version`.

export type TCrEvent =
  | { type: 'SUBMIT'; actorId: string }
  | ({ type: 'APPROVE' } & TDecisionEvent)
  | ({ type: 'REJECT' } & TDecisionEvent)
  | { type: 'CANCEL'; actorId: string }
  | { type: 'EXPIRE'; now: string }
  | { type: 'APPLIED' }
  | { type: 'APPLY_FAILED'; reason: string };

type TGuardArgs = { context: TCrContext; event: TCrEvent };
const g =
  <K extends keyof typeof guardFns>(name: K) =>
  ({ context, event }: TGuardArgs) =>
    (guardFns[name] as (c: TCrContext, e: unknown) => boolean)(context, event);

const validDecision = ['notExpired', 'isNotRequester', 'doesNotAffectApprover', 'mayApproveKind', 'notAlreadyDecided', 'payloadHashMatches'] as const;

export const changeRequestMachine = setup({
  types: {
    context: {} as TCrContext,
    events: {} as TCrEvent,
    input: {} as TCrContext,
  },
  guards: {
    isRequester: g('isRequester'),
    isNotRequester: g('isNotRequester'),
    mayApproveKind: g('mayApproveKind'),
    notAlreadyDecided: g('notAlreadyDecided'),
    payloadHashMatches: g('payloadHashMatches'),
    doesNotAffectApprover: g('doesNotAffectApprover'),
    notExpired: g('notExpired'),
    isExpired: g('isExpired'),
    completesQuorum: g('completesQuorum'),
  },
  actions: {
    recordApproval: assign(({ context, event }) => {
      const actorId = (event as { actorId: string }).actorId;
      return { approverIds: [...context.approverIds, actorId], deciderIds: [...context.deciderIds, actorId] };
    }),
    recordRejection: assign(({ context, event }) => ({ deciderIds: [...context.deciderIds, (event as { actorId: string }).actorId] })),
    recordFailure: assign({ failureReason: ({ event }) => (event as { reason: string }).reason }),
  },
}).createMachine({
  id: 'changeRequest',
  initial: 'draft',
  context: ({ input }) => input,
  states: {
    draft: {
      on: {
        SUBMIT: { guard: 'isRequester', target: 'submitted' },
        CANCEL: { guard: 'isRequester', target: 'cancelled' },
      },
    },
    submitted: {
      on: {
        APPROVE: [
          { guard: and([...validDecision, 'completesQuorum']), target: 'approved', actions: 'recordApproval' },
          { guard: and([...validDecision]), actions: 'recordApproval' },
        ],
        REJECT: { guard: and([...validDecision]), target: 'rejected', actions: 'recordRejection' },
        CANCEL: { guard: 'isRequester', target: 'cancelled' },
        EXPIRE: { guard: 'isExpired', target: 'expired' },
      },
    },
    approved: {
      on: {
        APPLIED: { target: 'applied' },
        APPLY_FAILED: { target: 'failed', actions: 'recordFailure' },
      },
    },
    applied: { type: 'final' },
    rejected: { type: 'final' },
    cancelled: { type: 'final' },
    expired: { type: 'final' },
    failed: { type: 'final' },
  },
});

export type TCrStatus = 'draft' | 'submitted' | 'approved' | 'applied' | 'rejected' | 'cancelled' | 'expired' | 'failed';
export const CR_FINAL: ReadonlySet<TCrStatus> = new Set(['applied', 'rejected', 'cancelled', 'expired', 'failed']);
