// The guards of the change-request machine as plain functions: the machine (machine.ts) uses
// them by name, and the service uses the same functions to say which rule refused a decision.

export interface TCrContext {
  kind: string;
  requesterId: string;
  targetUserId: string | null;
  payloadHash: string;
  requiredApprovals: number;
  approverIds: string[];
  deciderIds: string[];
  expiresAt: string;
  requiredPermissions: string[];
  failureReason: string | null;
}

export interface TDecisionEvent {
  actorId: string;
  permissions: string[];
  payloadHash: string;
  now: string;
}

export const guardFns = {
  isRequester: (c: TCrContext, e: { actorId: string }) => e.actorId === c.requesterId,
  isNotRequester: (c: TCrContext, e: { actorId: string }) => e.actorId !== c.requesterId,
  mayApproveKind: (c: TCrContext, e: TDecisionEvent) => c.requiredPermissions.every((p) => e.permissions.includes(p)),
  notAlreadyDecided: (c: TCrContext, e: { actorId: string }) => !c.deciderIds.includes(e.actorId),
  payloadHashMatches: (c: TCrContext, e: TDecisionEvent) => e.payloadHash === c.payloadHash,
  doesNotAffectApprover: (c: TCrContext, e: { actorId: string }) => c.targetUserId !== e.actorId,
  notExpired: (c: TCrContext, e: { now: string }) => Date.parse(e.now) < Date.parse(c.expiresAt),
  isExpired: (c: TCrContext, e: { now: string }) => Date.parse(e.now) >= Date.parse(c.expiresAt),
  completesQuorum: (c: TCrContext, e: { actorId: string }) => new Set([...c.approverIds, e.actorId]).size >= c.requiredApprovals,
} as const;

export type TGuardName = keyof typeof guardFns;

/** Order matters: the first failing guard is the message the person sees. */
const DECISION_GUARDS: Array<[TGuardName, string]> = [
  ['notExpired', 'This request has expired'],
  ['isNotRequester', 'Requester cannot approve'],
  ['doesNotAffectApprover', 'An administrator cannot decide on a change to their own account'],
  ['mayApproveKind', 'You do not hold the permissions needed to decide on this kind of request'],
  ['notAlreadyDecided', 'You have already decided on this request'],
  ['payloadHashMatches', 'The request changed since you opened it: reload and review it again'],
];

export function explainRefusal(c: TCrContext, e: TDecisionEvent, decision: 'approve' | 'reject'): string | null {
  for (const [name, message] of DECISION_GUARDS) {
    if (decision === 'reject' && name === 'isNotRequester' && !guardFns.isNotRequester(c, e)) return 'Requester cannot reject: cancel the request instead';
    if (!(guardFns[name] as (c: TCrContext, e: TDecisionEvent) => boolean)(c, e)) return message;
  }
  return null;
}
