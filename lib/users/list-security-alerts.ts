import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TSecurityAlertRow {
  id: string;
  kind: string;
  createdAt: Date;
  acknowledgedAt: Date | null;
  severity: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  occurrences: number;
  deliveries: Array<{ status: string; attempts: number; lastError: string | null }>;
  user: { id: string; employeeId: string; displayName: string; locked: boolean } | null;
  detail: unknown;
}

/** Newest first, paged on the server. */
export async function listSecurityAlerts(
  db: TDb,
  actor: TCurrentUser,
  opts: { openOnly?: boolean; acknowledgedOnly?: boolean; take?: number; before?: bigint } = {},
): Promise<{ rows: TSecurityAlertRow[]; openCount: number; acknowledgedCount: number }> {
  requirePermission(actor, 'security_alerts.read');
  const take = Math.min(Math.max(opts.take ?? 50, 1), 200);
  const where = {
    ...(opts.openOnly ? { acknowledgedAt: null } : {}),
    ...(opts.acknowledgedOnly ? { acknowledgedAt: { not: null } } : {}),
    ...(opts.before ? { id: { lt: opts.before } } : {}),
  };
  const [rows, openCount, acknowledgedCount] = await Promise.all([
    db.securityAlert.findMany({
      where,
      orderBy: { id: 'desc' },
      take,
      select: {
        id: true,
        kind: true,
        createdAt: true,
        acknowledgedAt: true,
        severity: true,
        firstSeenAt: true,
        lastSeenAt: true,
        occurrences: true,
        detail: true,
        user: { select: { id: true, employeeId: true, displayName: true, lockedAt: true } },
      },
    }),
    db.securityAlert.count({ where: { acknowledgedAt: null } }),
    db.securityAlert.count({ where: { acknowledgedAt: { not: null } } }),
  ]);
  // Where each alert went beyond the screen (webhook), as recorded.
  const deliveries = rows.length
    ? await db.alertDelivery.findMany({ where: { alertId: { in: rows.map((r) => r.id) } }, orderBy: { id: 'asc' }, select: { alertId: true, status: true, attempts: true, lastError: true } })
    : [];
  return {
    openCount,
    acknowledgedCount,
    rows: rows.map((r) => ({
      id: r.id.toString(),
      kind: r.kind,
      createdAt: r.createdAt,
      acknowledgedAt: r.acknowledgedAt,
      severity: r.severity,
      firstSeenAt: r.firstSeenAt,
      lastSeenAt: r.lastSeenAt,
      occurrences: r.occurrences,
      deliveries: deliveries.filter((d) => d.alertId === r.id).map((d) => ({ status: d.status, attempts: d.attempts, lastError: d.lastError })),
      detail: r.detail,
      user: r.user && { id: r.user.id, employeeId: r.user.employeeId, displayName: r.user.displayName, locked: Boolean(r.user.lockedAt) },
    })),
  };
}
