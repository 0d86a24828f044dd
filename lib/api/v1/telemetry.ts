import { ZTelemetryQuery, fieldsOf } from '@/lib/api/v1/schemas';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
import { listReadings } from '@/lib/telemetry/list-readings';

/** A device's readings in a received-time window, as /telemetry lists them (telemetry.read). */
export async function telemetryPage(db: TDb, user: TCurrentUser, params: URLSearchParams) {
  requirePermission(user, 'telemetry.read');
  const p = ZTelemetryQuery.safeParse(Object.fromEntries(params));
  if (!p.success) {
    const fields = fieldsOf(p.error);
    throw new AppError('BAD_REQUEST', `Invalid ${Object.keys(fields)[0]}: ${Object.values(fields)[0]}`, fields);
  }
  const q = p.data;
  return listReadings(db, user, { ...q, from: new Date(q.from), to: new Date(q.to), sort: 'received' });
}
