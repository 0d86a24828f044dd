import type { TDb } from '@/lib/db/client';

export async function listDevices(db: TDb) {
  const rows = await db.device.findMany({
    orderBy: { id: 'asc' },
    select: {
      id: true,
      kind: true,
      status: true,
      description: true,
      firmwareVersion: true,
      calibrationDue: true,
      allowedTopics: true,
      expectedIntervalS: true,
      limitMin: true,
      limitMax: true,
      limitMinDurationS: true,
      unit: true,
      certFingerprint: true,
      keys: { orderBy: { version: 'asc' }, select: { version: true, createdAt: true, retiredAt: true } },
      sensors: { select: { sensorId: true } },
      state: { select: { lastReadingAt: true, lastValue: true, excursionStartedAt: true, commLossSince: true } },
    },
  });
  return rows.map((d) => ({
    ...d,
    calibrationDue: d.calibrationDue ? d.calibrationDue.toISOString().slice(0, 10) : null,
    keys: d.keys.map((k) => ({ version: k.version, createdAt: k.createdAt.toISOString(), retired: Boolean(k.retiredAt) })),
    sensors: d.sensors.map((s) => s.sensorId),
  }));
}
