import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { currentBaseline, type TBaseline } from '@/lib/broker/broker-baseline';
import { brokerControlConfig } from '@/lib/broker/dynsec-client';
import type { TStateDifference } from '@/lib/broker/dynsec-model';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TBrokerOverview {
  managed: { url: string; username: string } | null;
  baseline: TBaseline | null;
  lastCheck: { ranAt: Date; ok: boolean; differences: TStateDifference[]; error: string | null } | null;
  /** Active devices that have no broker client in the baseline (the default: one per device). */
  devicesWithoutClient: Array<{ id: string; topics: string[] }>;
  openRequests: Array<{ id: string; number: string; status: string; submittedAt: Date | null; requesterName: string }>;
}

/** What the broker page shows: the approved baseline, the last drift check, what is pending. */
export async function getBrokerOverview(db: TDb, user: TCurrentUser): Promise<TBrokerOverview> {
  requirePermission(user, 'broker.read');
  const cfg = brokerControlConfig();
  const [baseline, last, devices, open] = await Promise.all([
    currentBaseline(db),
    db.brokerReconciliation.findFirst({ orderBy: { id: 'desc' }, select: { ranAt: true, ok: true, differences: true, error: true } }),
    db.device.findMany({ where: { status: 'active' }, orderBy: { id: 'asc' }, take: 500, select: { id: true, allowedTopics: true } }),
    db.changeRequest.findMany({
      where: { kind: 'broker.apply', status: 'submitted' },
      orderBy: { createdAt: 'desc' },
      take: 20,
      select: { id: true, number: true, status: true, submittedAt: true, requesterName: true },
    }),
  ]);
  const clients = new Set(baseline?.state.clients.map((c) => c.username) ?? []);
  return {
    managed: cfg && { url: cfg.url, username: cfg.username },
    baseline,
    lastCheck: last && { ranAt: last.ranAt, ok: last.ok, differences: last.differences as unknown as TStateDifference[], error: last.error },
    devicesWithoutClient: devices.filter((d) => !clients.has(d.id)).map((d) => ({ id: d.id, topics: d.allowedTopics })),
    openRequests: open,
  };
}
