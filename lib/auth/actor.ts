import type { TAuditActor } from '@/lib/audit/events';
import { sessionRef } from '@/lib/auth/session-ref';

/** How a person appears in the audit trail: employee ID, printed name and roles at that moment. */
export function userActor(u: { employeeId: string; displayName: string; roles: string[] }, sessionId?: string | null): TAuditActor {
  return {
    type: 'user',
    id: u.employeeId,
    name: u.displayName,
    role: u.roles.length ? [...u.roles].sort().join(', ') : null,
    // Never the raw session id: a reference that cannot be replayed (lib/auth/session-ref.ts).
    sessionId: sessionRef(sessionId),
  };
}
