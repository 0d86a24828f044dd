import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TServiceAccountView {
  id: string;
  name: string;
  owner: { employeeId: string; displayName: string } | null;
  status: string;
  scopes: string[];
  maxTokenLifetimeS: number;
  allowedNetworks: string[];
  /** The gateway it sends telemetry for (scope telemetry.ingest), else null. */
  gatewayId: string | null;
  createdAt: string;
  keys: Array<{ kid: string; fingerprint: string; createdAt: string; retiredAt: string | null; lastUsedAt: string | null }>;
  pendingRequests: number;
}

/** Every service account with its keys and the last accepted token per key (service_accounts.read). */
export async function listServiceAccounts(db: TDb, user: TCurrentUser): Promise<TServiceAccountView[]> {
  requirePermission(user, 'service_accounts.read');
  const rows = await db.serviceAccount.findMany({
    orderBy: { id: 'asc' },
    include: { keys: { orderBy: [{ createdAt: 'asc' }, { kid: 'asc' }] } },
  });
  const owners = await db.user.findMany({ where: { id: { in: [...new Set(rows.map((r) => r.ownerId))] } }, select: { id: true, employeeId: true, displayName: true } });
  const pending = await db.changeRequest.findMany({
    where: { kind: { startsWith: 'service_account.' }, status: 'submitted' },
    select: { payload: true },
  });
  const pendingFor = (id: string) => pending.filter((p) => (p.payload as { accountId?: string } | null)?.accountId === id).length;
  return rows.map((r) => {
    const o = owners.find((u) => u.id === r.ownerId);
    return {
      id: r.id,
      name: r.name,
      owner: o ? { employeeId: o.employeeId, displayName: o.displayName } : null,
      status: r.status,
      scopes: [...r.scopes].sort(),
      maxTokenLifetimeS: r.maxTokenLifetimeS,
      allowedNetworks: r.allowedNetworks,
      gatewayId: r.gatewayId,
      createdAt: r.createdAt.toISOString(),
      keys: r.keys.map((k) => ({
        kid: k.kid,
        fingerprint: k.fingerprint,
        createdAt: k.createdAt.toISOString(),
        retiredAt: k.retiredAt?.toISOString() ?? null,
        lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      })),
      pendingRequests: pendingFor(r.id),
    };
  });
}

/** The gateways (ECDSA devices, not retired) an account holding telemetry.ingest may be bound to. */
export async function listGatewayChoices(db: TDb, user: TCurrentUser): Promise<Array<{ id: string; description: string }>> {
  requirePermission(user, 'service_accounts.read');
  return db.device.findMany({ where: { kind: 'ecdsa', status: { not: 'retired' } }, orderBy: { id: 'asc' }, select: { id: true, description: true } });
}
