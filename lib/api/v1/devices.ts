import { ZDeviceListQuery, fieldsOf, type ZDevicePage } from '@/lib/api/v1/schemas';
import type { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { Prisma, TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

/** Devices by id, cursor-paged (devices.read, as /admin/devices). Never key material. */
export async function listDevicesPage(db: TDb, user: TCurrentUser, query: Record<string, string>): Promise<z.infer<typeof ZDevicePage>> {
  requirePermission(user, 'devices.read');
  const p = ZDeviceListQuery.safeParse(query);
  if (!p.success) {
    const fields = fieldsOf(p.error);
    throw new AppError('BAD_REQUEST', `Invalid ${Object.keys(fields)[0]}: ${Object.values(fields)[0]}`, fields);
  }
  const q = p.data;
  const after = q.cursor ? Buffer.from(q.cursor, 'base64url').toString() : null;
  const where: Prisma.DeviceWhereInput = {
    AND: [
      q.status ? { status: q.status } : {},
      q.q ? { OR: [{ id: { contains: q.q, mode: 'insensitive' } }, { description: { contains: q.q, mode: 'insensitive' } }] } : {},
      after ? { id: { gt: after } } : {},
    ],
  };
  const rows = await db.device.findMany({
    where,
    orderBy: { id: 'asc' },
    take: q.limit + 1,
    select: {
      id: true,
      kind: true,
      status: true,
      description: true,
      unit: true,
      limitMin: true,
      limitMax: true,
      calibrationDue: true,
      certFingerprint: true,
      sensors: { orderBy: { sensorId: 'asc' }, select: { sensorId: true } },
      state: { select: { lastReadingAt: true } },
    },
  });
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((d) => ({
      id: d.id,
      kind: d.kind as 'hmac' | 'ecdsa',
      status: d.status,
      description: d.description,
      unit: d.unit,
      limitMin: d.limitMin,
      limitMax: d.limitMax,
      calibrationDue: d.calibrationDue ? d.calibrationDue.toISOString().slice(0, 10) : null,
      sensors: d.sensors.map((s) => s.sensorId),
      lastReadingAt: d.state?.lastReadingAt?.toISOString() ?? null,
      certFingerprint: d.certFingerprint,
    })),
    nextCursor: rows.length > q.limit ? Buffer.from(page.at(-1)!.id).toString('base64url') : null,
  };
}
