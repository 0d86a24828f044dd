import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
import { MAX_SPAN_MS } from '@/lib/telemetry/time-range';

export const ZDeviceId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{1,99}$/, 'Unknown device');

export const ZListReadings = z
  .object({
    deviceId: ZDeviceId,
    from: z.date(),
    to: z.date(),
    sort: z.enum(['received']).default('received'),
    dir: z.enum(['asc', 'desc']).default('desc'),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(5).max(100).default(25),
  })
  .refine((q) => q.from < q.to && q.to.getTime() - q.from.getTime() <= MAX_SPAN_MS, { message: 'Invalid time range', path: ['from'] });

export interface TReadingRow {
  id: string;
  receivedAt: string;
  sensorId: string | null;
  format: string;
  /** The value exactly as the device sent it (its JSON number text). */
  valueText: string;
  unit: string | null;
  /** The device's timestamp exactly as sent, never rewritten. */
  deviceTs: string;
  skewMs: number | null;
  flags: string[];
  keyVersion: number | null;
  batchId: string;
}

/**
 * One page of a device's readings received in [from, to), newest first by default. The window
 * uses received_at, the partition key, so only the partitions it covers are read.
 */
export async function listReadings(db: TDb, user: TCurrentUser, raw: unknown) {
  requirePermission(user, 'telemetry.read');
  const p = ZListReadings.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new AppError('BAD_REQUEST', `Invalid ${String(i.path[0])}: ${i.message}`, { [String(i.path[0])]: i.message });
  }
  const q = p.data;
  const where = { deviceId: q.deviceId, receivedAt: { gte: q.from, lt: q.to } };
  const [total, rows] = await Promise.all([
    db.telemetry.count({ where }),
    db.telemetry.findMany({
      where,
      orderBy: [{ receivedAt: q.dir }, { id: q.dir }],
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      select: { id: true, receivedAt: true, sensorId: true, format: true, valueText: true, unit: true, deviceTs: true, skewMs: true, flags: true, keyVersion: true, batchId: true },
    }),
  ]);
  const items: TReadingRow[] = rows.map((r) => ({
    id: r.id.toString(),
    receivedAt: r.receivedAt.toISOString(),
    sensorId: r.sensorId,
    format: r.format,
    valueText: r.valueText,
    unit: r.unit,
    deviceTs: r.deviceTs,
    skewMs: r.skewMs === null ? null : Number(r.skewMs),
    flags: r.flags,
    keyVersion: r.keyVersion,
    batchId: r.batchId.toString(),
  }));
  return { items, total, page: q.page, pageSize: q.pageSize, query: { sort: q.sort, dir: q.dir } };
}
