import { hostname, userInfo } from 'node:os';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { raiseAlert } from '@/lib/alerts/raise-alert';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

export interface TBreakGlass {
  employeeId: string;
  reason: string;
  /** The natural person at the keyboard, by full name. */
  operator: string;
}

/**
 * Break-glass recovery when every administrator is locked out and nothing in the application can
 * unlock them: run by whoever holds the database owner's credentials (those people can already
 * change the database; this makes their act attributable instead of silent). The unlock, its
 * audit event naming the operator and a critical security alert commit together (21 CFR
 * 11.10(e), 11.300(d)). The application's own role is refused.
 */
export async function breakGlassUnlock(db: TDb, input: TBreakGlass) {
  const operator = input.operator.trim();
  const reason = input.reason.trim();
  if (operator.length < 3 || !/\s/.test(operator)) throw new AppError('BAD_REQUEST', '--operator must be the full name of the person doing this');
  if (reason.length < 10) throw new AppError('BAD_REQUEST', '--reason must say why (at least 10 characters)');
  return db.$transaction(async (tx) => {
    const [who] = await tx.$queryRaw<Array<{ role: string; owner: boolean }>>`
      SELECT current_user::text AS role,
             pg_has_role(current_user, (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'users'), 'MEMBER') AS owner`;
    if (!who?.owner) throw new AppError('FORBIDDEN', `break-glass needs the database owner's credentials (connected as ${who?.role ?? 'unknown'})`);
    const u = await tx.user.findUnique({ where: { employeeId: input.employeeId }, select: { id: true, employeeId: true, displayName: true, lockedAt: true, failedAttempts: true } });
    if (!u) throw new AppError('NOT_FOUND', `No user with employee ID ${input.employeeId}`);
    if (!u.lockedAt) throw new AppError('CONFLICT', `${u.employeeId} is not locked`);
    const os = (() => {
      try {
        return userInfo().username;
      } catch {
        return 'unknown';
      }
    })();
    const actor: TAuditActor = { type: 'system', id: 'system:break-glass', name: `Break-glass by ${operator}`, role: `database owner (${who.role})` };
    await tx.user.update({ where: { id: u.id }, data: { lockedAt: null, failedAttempts: 0, updatedAt: new Date() }, select: { id: true } });
    const [ev] = await appendAudit(tx, [
      {
        actor,
        action: 'user.break_glass_unlock',
        entityType: 'User',
        entityId: u.id,
        oldValue: { locked: true, lockedAt: u.lockedAt.toISOString(), failedAttempts: u.failedAttempts },
        newValue: { locked: false, operator, databaseRole: who.role, osUser: os, host: hostname() },
        reason,
      },
    ]);
    await raiseAlert(tx, {
      kind: 'break_glass',
      dedupKey: `break_glass:${ev.seq}`,
      detail: { employeeId: u.employeeId, operator, reason, databaseRole: who.role, osUser: os, host: hostname() },
      userId: u.id,
      entity: { type: 'User', id: u.id },
      reason: `${operator} unlocked ${u.employeeId} with the database owner's credentials: ${reason}`,
      now: new Date(ev.occurredAt),
    });
    return { employeeId: u.employeeId, displayName: u.displayName, operator, auditSeq: ev.seq.toString() };
  });
}
