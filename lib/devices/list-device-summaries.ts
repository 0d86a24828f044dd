import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { Prisma, TDb } from '@/lib/db/client';
import { calibrationOverdue } from '@/lib/devices/get-device';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

export const DEVICE_STATUSES = ['active', 'suspended', 'retired'] as const;

export const ZListDeviceSummaries = z.object({
  q: z.string().trim().max(100).optional(),
  status: z.enum(DEVICE_STATUSES).optional(),
  sort: z.enum(['id', 'calibrationDue', 'lastReading']).default('id'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(100).default(25),
});

export interface TDeviceSummaryRow {
  id: string;
  kind: string;
  status: string;
  description: string;
  firmwareVersion: string | null;
  calibrationDue: string | null;
  calibrationOverdue: boolean;
  sensors: string[];
  lastReadingAt: string | null;
  openAlarms: string[];
}

/** One page of devices for the administration list (devices.read), filtered and sorted in the database. */
export async function listDeviceSummaries(db: TDb, user: TCurrentUser, raw: unknown) {
  requirePermission(user, 'devices.read');
  const p = ZListDeviceSummaries.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new AppError('BAD_REQUEST', `Invalid ${String(i.path[0])}: ${i.message}`, { [String(i.path[0])]: i.message });
  }
  const q = p.data;
  const where: Prisma.DeviceWhereInput = {
    ...(q.status ? { status: q.status } : {}),
    ...(q.q
      ? {
          OR: [
            { id: { contains: q.q, mode: 'insensitive' } },
            { description: { contains: q.q, mode: 'insensitive' } },
            { sensors: { some: { sensorId: { contains: q.q, mode: 'insensitive' } } } },
          ],
        }
      : {}),
  };
  const orderBy: Prisma.DeviceOrderByWithRelationInput[] =
    q.sort === 'calibrationDue'
      ? [{ calibrationDue: { sort: q.dir, nulls: 'last' } }, { id: 'asc' }]
      : q.sort === 'lastReading'
        ? [{ state: { lastReadingAt: { sort: q.dir, nulls: 'last' } } }, { id: 'asc' }]
        : [{ id: q.dir }];
  const [total, rows] = await Promise.all([
    db.device.count({ where }),
    db.device.findMany({
      where,
      orderBy,
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      select: {
        id: true,
        kind: true,
        status: true,
        description: true,
        firmwareVersion: true,
        calibrationDue: true,
        sensors: { orderBy: { sensorId: 'asc' }, take: 50, select: { sensorId: true } },
        state: { select: { lastReadingAt: true } },
        alarms: { where: { closedAt: null }, select: { kind: true } },
      },
    }),
  ]);
  const now = new Date();
  const items: TDeviceSummaryRow[] = rows.map((d) => ({
    id: d.id,
    kind: d.kind,
    status: d.status,
    description: d.description,
    firmwareVersion: d.firmwareVersion,
    calibrationDue: d.calibrationDue ? d.calibrationDue.toISOString().slice(0, 10) : null,
    calibrationOverdue: calibrationOverdue(d.calibrationDue, now),
    sensors: d.sensors.map((s) => s.sensorId),
    lastReadingAt: d.state?.lastReadingAt?.toISOString() ?? null,
    openAlarms: d.alarms.map((a) => a.kind).sort(),
  }));
  return { items, total, page: q.page, pageSize: q.pageSize, query: q };
}
