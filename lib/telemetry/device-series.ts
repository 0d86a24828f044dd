import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
import { ZDeviceId } from '@/lib/telemetry/list-readings';
import { MAX_SPAN_MS } from '@/lib/telemetry/time-range';

export const DEFAULT_MAX_POINTS = 1000;

export const ZDeviceSeries = z
  .object({
    deviceId: ZDeviceId,
    from: z.date(),
    to: z.date(),
    maxPoints: z.number().int().min(10).max(5000).default(DEFAULT_MAX_POINTS),
  })
  .refine((q) => q.from < q.to && q.to.getTime() - q.from.getTime() <= MAX_SPAN_MS, { message: 'Invalid time range', path: ['from'] });

/** One bucket of readings (times are epoch milliseconds). With one reading, min = max = mean. */
export interface TSeriesPoint {
  /** Mean receive time of the bucket's readings: a lone reading is drawn where it was received. */
  t: number;
  min: number;
  max: number;
  mean: number;
  n: number;
  firstAt: number;
  lastAt: number;
}

export interface TInterval {
  from: number;
  /** null: still open. */
  to: number | null;
}

export interface TDeviceSeries {
  device: { id: string; kind: string; unit: string | null; limitMin: number | null; limitMax: number | null; limitMinDurationS: number; expectedIntervalS: number | null };
  from: number;
  to: number;
  bucketMs: number;
  points: TSeriesPoint[];
  /** Readings in the window (all buckets). */
  count: number;
  excursions: Array<TInterval & { recordId: string | null; recordNumber: string | null }>;
  commLoss: TInterval[];
  /** Silences between two readings longer than twice the expected interval. */
  gaps: Array<{ from: number; to: number }>;
}

const GAP_FACTOR = 2;

/**
 * A device's readings in [from, to) for a chart, downsampled in the database: the window is cut
 * into at most maxPoints equal buckets (date_bin) and each keeps its min, max, mean and count, so
 * a spike survives any zoom level and a year of readings is still one small answer. With the
 * device's limits, its excursion and communication-loss alarms, and the silences in its data.
 */
export async function deviceSeries(db: TDb, user: TCurrentUser, raw: z.input<typeof ZDeviceSeries>): Promise<TDeviceSeries> {
  requirePermission(user, 'telemetry.read');
  const p = ZDeviceSeries.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new AppError('BAD_REQUEST', `Invalid ${String(i.path[0])}: ${i.message}`, { [String(i.path[0])]: i.message });
  }
  const { deviceId, from, to, maxPoints } = p.data;
  const device = await db.device.findUnique({
    where: { id: deviceId },
    select: { id: true, kind: true, unit: true, limitMin: true, limitMax: true, limitMinDurationS: true, expectedIntervalS: true },
  });
  if (!device) throw new AppError('NOT_FOUND', `Unknown device ${deviceId}`);

  // Ceil: ceil(span / bucketMs) <= maxPoints buckets, each anchored at `from`.
  const bucketMs = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / maxPoints));
  const gapS = device.expectedIntervalS ? device.expectedIntervalS * GAP_FACTOR : null;
  const [buckets, alarms, gaps] = await Promise.all([
    db.$queryRaw<Array<{ t: Date; min: number; max: number; mean: number; n: number; first_at: Date; last_at: Date }>>`
      SELECT to_timestamp(avg(extract(epoch FROM received_at))::float8) AS t, min(value) AS min, max(value) AS max, avg(value) AS mean,
             count(*)::int AS n, min(received_at) AS first_at, max(received_at) AS last_at
        FROM telemetry
       WHERE device_id = ${deviceId} AND received_at >= ${from} AND received_at < ${to}
       GROUP BY date_bin(make_interval(secs => ${bucketMs / 1000}::float8), received_at, ${from}::timestamptz)
       ORDER BY 1`,
    db.deviceAlarm.findMany({
      where: { deviceId, openedAt: { lt: to }, OR: [{ closedAt: null }, { closedAt: { gt: from } }] },
      orderBy: { openedAt: 'asc' },
      take: 2000,
      select: { kind: true, openedAt: true, closedAt: true, recordId: true, record: { select: { number: true } } },
    }),
    gapS === null
      ? Promise.resolve([])
      : db.$queryRaw<Array<{ from: Date; to: Date }>>`
          SELECT prev_at AS "from", received_at AS "to"
            FROM (SELECT received_at, lag(received_at) OVER (ORDER BY received_at) AS prev_at
                    FROM telemetry WHERE device_id = ${deviceId} AND received_at >= ${from} AND received_at < ${to}) s
           WHERE received_at - prev_at > make_interval(secs => ${gapS}::float8)
           ORDER BY received_at LIMIT 1000`,
  ]);
  const interval = (a: { openedAt: Date; closedAt: Date | null }): TInterval => ({ from: a.openedAt.getTime(), to: a.closedAt?.getTime() ?? null });
  return {
    device,
    from: from.getTime(),
    to: to.getTime(),
    bucketMs,
    points: buckets.map((b) => ({ t: b.t.getTime(), min: b.min, max: b.max, mean: b.mean, n: b.n, firstAt: b.first_at.getTime(), lastAt: b.last_at.getTime() })),
    count: buckets.reduce((s, b) => s + b.n, 0),
    excursions: alarms.filter((a) => a.kind === 'excursion').map((a) => ({ ...interval(a), recordId: a.recordId, recordNumber: a.record?.number ?? null })),
    commLoss: alarms.filter((a) => a.kind === 'comm_loss').map(interval),
    gaps: gaps.map((g) => ({ from: g.from.getTime(), to: g.to.getTime() })),
  };
}
