import type { TAuditActor } from '@/lib/audit/events';

/** How a person appears in the audit trail: employee ID, printed name and roles at that moment. */
export function userActor(u: { employeeId: string; displayName: string; roles: string[] }, sessionId?: string | null): TAuditActor {
  return {
    type: 'user',
    id: u.employeeId,
    name: u.displayName,
    role: u.roles.length ? [...u.roles].sort().join(', ') : null,
    sessionId: sessionId ?? null,
  };
}
