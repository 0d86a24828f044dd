import type { Metadata } from 'next';
import Link from 'next/link';
import { TimeSeriesChart } from '@/components/charts/time-series-chart';
import { formatDuration, formatInstant } from '@/components/charts/chart-scale';
import { DataTable } from '@/components/data-table/data-table';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Stat } from '@/components/ui/stat';
import { requirePageUser } from '@/lib/auth/require-user';
import { pathWithQuery } from '@/lib/http/path-with-query';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { deviceSeries } from '@/lib/telemetry/device-series';
import { listReadings } from '@/lib/telemetry/list-readings';
import { listTelemetryDevices } from '@/lib/telemetry/list-telemetry-devices';
import { resolveTimeRange, toUtcField } from '@/lib/telemetry/time-range';
import { NotPermitted } from '@/app/admin/not-permitted';
import { readingColumns } from './columns';
import { RangeForm } from './range-form';

export const metadata: Metadata = { title: 'Telemetry' };
export const dynamic = 'force-dynamic';

type TSearch = Record<string, string | string[] | undefined>;

const one = (sp: TSearch, k: string): string | undefined => {
  const v = Array.isArray(sp[k]) ? sp[k][0] : sp[k];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
};

const KIND = { hmac: 'HMAC device', ecdsa: 'ECDSA gateway' } as Record<string, string>;

export default async function TelemetryPage({ searchParams }: { searchParams: Promise<TSearch> }) {
  // With its query: after an unlock or a sign-in the view comes back with its filters.
  const user = await requirePageUser(pathWithQuery('/telemetry', await searchParams));
  if (!can(user, 'telemetry.read')) return <NotPermitted title="Telemetry" permission="telemetry.read" />;
  const sp = await searchParams;
  const db = getDb();
  const devices = await listTelemetryDevices(db, user);
  const header = (
    <PageHeader
      title="Telemetry"
      description="Signed readings as they were received, against the device’s limits, with excursions, communication losses and an inclusion proof per reading. All times are UTC."
    />
  );
  if (devices.length === 0) {
    return (
      <>
        {header}
        <Alert>
          No device is registered yet.{' '}
          {can(user, 'devices.read') && (
            <Link href="/admin/devices" className="font-medium text-accent-800 underline underline-offset-2">
              Register one under Devices
            </Link>
          )}
        </Alert>
      </>
    );
  }

  const asked = one(sp, 'device');
  const device = devices.find((d) => d.id === asked) ?? devices[0];
  const { range, error: rangeError } = resolveTimeRange(
    { range: one(sp, 'range'), from: one(sp, 'from'), to: one(sp, 'to') },
    new Date(),
    device.lastReadingAt ? new Date(device.lastReadingAt) : null,
  );
  const dir = one(sp, 'dir') === 'asc' ? 'asc' : 'desc';
  const [series, readings] = await Promise.all([
    deviceSeries(db, user, { deviceId: device.id, from: range.from, to: range.to }),
    listReadings(db, user, { deviceId: device.id, from: range.from, to: range.to, dir, page: one(sp, 'page') ?? 1, pageSize: one(sp, 'pageSize') ?? 25 }).catch((e) => {
      // A page number or size out of bounds: show the first page rather than fail.
      if (!isAppError(e) || e.code !== 'BAD_REQUEST') throw e;
      return listReadings(db, user, { deviceId: device.id, from: range.from, to: range.to, dir });
    }),
  ]);

  const unit = series.device.unit ?? '';
  const lo = series.points.length ? Math.min(...series.points.map((p) => p.min)) : null;
  const hi = series.points.length ? Math.max(...series.points.map((p) => p.max)) : null;
  const limits =
    series.device.limitMin === null && series.device.limitMax === null
      ? 'No limits'
      : `${series.device.limitMin ?? '−∞'} to ${series.device.limitMax ?? '+∞'} ${unit}`.trim();

  return (
    <>
      {header}
      <div className="grid gap-4">
        <RangeForm
          key={`${device.id}|${range.from.getTime()}|${range.to.getTime()}|${range.preset}`}
          devices={devices.map((d) => ({ value: d.id, label: d.description ? `${d.id} — ${d.description}` : d.id }))}
          deviceId={device.id}
          preset={range.preset}
          from={toUtcField(range.from)}
          to={toUtcField(range.to)}
        />
        {asked && asked !== device.id && <Alert tone="warn">There is no device “{asked}” you may view; showing {device.id}.</Alert>}
        {rangeError && <Alert tone="warn">{rangeError}. Showing the last 24 hours.</Alert>}

        <Card
          title={<span className="font-mono">{device.id}</span>}
          description={`${KIND[series.device.kind] ?? series.device.kind} · ${formatInstant(series.from)} to ${formatInstant(series.to)} UTC (${formatDuration(series.to - series.from)})`}
          actions={
            can(user, 'devices.read') ? (
              <Link href={`/admin/devices/${encodeURIComponent(device.id)}`} className="text-xs font-medium text-accent-800 underline-offset-2 hover:underline">
                Device details
              </Link>
            ) : undefined
          }
        >
          <div className="grid gap-3">
            <div className="grid grid-cols-2 gap-3 sm:grid-cols-5">
              <Stat label="Readings" value={series.count.toLocaleString('en-GB')} />
              <Stat label="Lowest" value={lo === null ? '—' : `${lo} ${unit}`} />
              <Stat label="Highest" value={hi === null ? '—' : `${hi} ${unit}`} />
              <Stat label="Limits" value={limits} hint={series.device.limitMinDurationS ? `excursion after ${series.device.limitMinDurationS} s outside` : undefined} />
              <Stat
                label="Excursions"
                value={series.excursions.length}
                hint={series.commLoss.length ? `${series.commLoss.length} communication loss${series.commLoss.length === 1 ? '' : 'es'}` : undefined}
              />
            </div>
            <TimeSeriesChart series={series} title={device.id} />
            {series.excursions.length > 0 && (
              <div className="border-t border-slate-200 pt-2">
                <h3 className="text-xs font-semibold text-slate-700">Excursions in this window</h3>
                <ul className="mt-1 grid gap-0.5 text-xs text-slate-700">
                  {series.excursions.map((e) => (
                    <li key={e.from} className="tabular-nums">
                      {formatInstant(e.from)} – {e.to === null ? 'ongoing' : `${formatInstant(e.to)} (${formatDuration(e.to - e.from)})`}
                      {e.recordId && (
                        <>
                          {' · '}
                          <Link href={`/records/${e.recordId}`} className="font-medium text-accent-800 underline-offset-2 hover:underline">
                            {e.recordNumber ?? 'excursion record'}
                          </Link>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </div>
        </Card>

        <Card title="Readings" description="Value and device time exactly as the device sent them. Skew is the device time minus the received time. Each proof is re-checkable offline.">
          <DataTable
            caption={`Readings of ${device.id}`}
            columns={readingColumns}
            data={readings.items}
            rowCount={readings.total}
            state={{ sort: 'received', dir: readings.query.dir, page: readings.page, pageSize: readings.pageSize }}
            empty="No readings in this window."
          />
        </Card>
      </div>
    </>
  );
}
