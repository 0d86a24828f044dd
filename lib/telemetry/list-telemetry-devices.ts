import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';

/**
 * The devices whose readings may be viewed, for the telemetry page's picker: telemetry.read is
 * enough (the device administration needs devices.read). No key material, no configuration.
 */
export async function listTelemetryDevices(db: TDb, user: TCurrentUser) {
  requirePermission(user, 'telemetry.read');
  const rows = await db.device.findMany({
    orderBy: { id: 'asc' },
    take: 5000,
    select: { id: true, kind: true, status: true, unit: true, description: true, state: { select: { lastReadingAt: true } } },
  });
  return rows.map((d) => ({ id: d.id, kind: d.kind, status: d.status, unit: d.unit, description: d.description, lastReadingAt: d.state?.lastReadingAt?.toISOString() ?? null }));
}
