import type { TAuditActor } from '@/lib/audit/events';
import { sessionRef } from '@/lib/auth/session-ref';

/**
 * How a person appears in the audit trail: employee ID, printed name and roles at that moment.
 * A service account's caller carries its own actor (`service:<id>` with kid and jti, lib/api).
 */
export function userActor(u: { employeeId: string; displayName: string; roles: string[]; actor?: TAuditActor }, sessionId?: string | null): TAuditActor {
  if (u.actor) return u.actor;
  return {
    type: 'user',
    id: u.employeeId,
    name: u.displayName,
    role: u.roles.length ? [...u.roles].sort().join(', ') : null,
    // Never the raw session id: a reference that cannot be replayed (lib/auth/session-ref.ts).
    sessionId: sessionRef(sessionId),
  };
}
