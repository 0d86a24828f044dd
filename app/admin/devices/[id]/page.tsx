import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { ButtonLink } from '@/components/ui/button-link';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { baseApprovals } from '@/lib/change-requests/kinds';
import { getDb } from '@/lib/db/client';
import { getDevice } from '@/lib/devices/get-device';
import { formatUtc } from '@/lib/esign/manifestation';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { NotPermitted } from '../../not-permitted';
import { AlarmBadges, CalibrationDue, DeviceStatusBadge, KEY_KIND_LABEL } from '../device-badges';
import { DeviceRequestDialog } from '../device-request-dialog';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Device' };
export const dynamic = 'force-dynamic';

const none = <span className="text-slate-500">—</span>;

function Utc({ d }: { d: Date | null | undefined }) {
  if (!d) return none;
  return (
    <time dateTime={d.toISOString()} className="tabular-nums">
      {formatUtc(d)}
    </time>
  );
}

const ALARM_LABEL: Record<string, string> = { excursion: 'Excursion', comm_loss: 'Communication loss' };

export default async function DevicePage({ params }: { params: Promise<{ id: string }> }) {
  let id: string;
  try {
    id = decodeURIComponent((await params).id);
  } catch {
    notFound();
  }
  const user = await requirePageUser(`/admin/devices/${encodeURIComponent(id)}`);
  if (!can(user, 'devices.read')) return <NotPermitted title="Device" permission="devices.read" />;
  let d: Awaited<ReturnType<typeof getDevice>>;
  try {
    d = await getDevice(getDb(), user, id);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
  const unit = d.unit ?? '';
  const limits =
    d.limitMin === null && d.limitMax === null ? 'No limits' : `${d.limitMin ?? '−∞'} to ${d.limitMax ?? '+∞'} ${unit}`.trim() + (d.limitMinDurationS ? `, excursion after ${d.limitMinDurationS} s outside` : '');

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-600">
        <Link href="/admin/devices" className="font-medium text-accent-800 underline-offset-2 hover:underline">
          Devices
        </Link>{' '}
        / <span className="font-mono">{d.id}</span>
      </nav>
      <PageHeader
        title={
          <span className="inline-flex flex-wrap items-center gap-x-3 gap-y-1">
            <span className="font-mono">{d.id}</span>
            <DeviceStatusBadge status={d.status} />
          </span>
        }
        description={d.description || `${d.kind === 'ecdsa' ? 'Gateway signing with ECDSA P-256' : 'Device signing with HMAC-SHA256'}`}
        actions={
          <>
            {can(user, 'telemetry.read') && (
              <ButtonLink href={`/telemetry?device=${encodeURIComponent(d.id)}`} variant="secondary">
                Telemetry
              </ButtonLink>
            )}
            {can(user, 'devices.manage') ? (
              <DeviceRequestDialog mode="rotate" approvals={baseApprovals('device.rotate_key')} deviceId={d.id} keyKind={d.kind === 'ecdsa' ? 'ecdsa' : 'hmac'} />
            ) : (
              <DisabledButton reason="Requires the permission devices.manage">Rotate key</DisabledButton>
            )}
            {d.kind === 'ecdsa' &&
              (can(user, 'devices.manage') ? (
                <DeviceRequestDialog mode="certificate" approvals={baseApprovals('device.set_certificate')} deviceId={d.id} current={d.certFingerprint} />
              ) : (
                <DisabledButton reason="Requires the permission devices.manage">Set certificate</DisabledButton>
              ))}
          </>
        }
      />
      <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="grid gap-4">
          <Card title="Configuration" description="Changed only through a change request.">
            <DataList
              items={[
                { term: 'Key kind', description: d.kind === 'ecdsa' ? 'ECDSA P-256 (gateway, seed 001)' : 'HMAC-SHA256 (device, seed 000)' },
                { term: 'Firmware', description: d.firmwareVersion ? <code className="font-mono text-xs">{d.firmwareVersion}</code> : none },
                { term: 'Calibration due', description: <CalibrationDue due={d.calibrationDue} overdue={d.calibrationOverdue} /> },
                { term: 'Limits', description: limits },
                { term: 'Expected interval', description: d.expectedIntervalS ? `${d.expectedIntervalS} s` : 'Not monitored' },
                {
                  term: 'MQTT topics',
                  description: d.allowedTopics.length ? <code className="font-mono text-xs break-all">{d.allowedTopics.join(', ')}</code> : <span className="text-slate-500">Any</span>,
                },
                ...(d.kind === 'ecdsa'
                  ? [
                      {
                        term: 'TLS client certificate',
                        description: d.certFingerprint ? (
                          <code className="font-mono text-xs break-all" title="SHA-256 of the certificate's DER">
                            {d.certFingerprint}
                          </code>
                        ) : (
                          <span className="text-slate-500">None registered</span>
                        ),
                      },
                    ]
                  : []),
                { term: 'Registered', description: <Utc d={d.createdAt} /> },
              ]}
            />
          </Card>
          <Card title="Key versions" description="Fingerprints only: the first 16 hex digits of the SHA-256 of each key. The key material is never shown.">
            <ScrollRegion label={`Key versions of ${d.id}`}>
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Key versions of {d.id}</caption>
                <thead className="text-xs text-slate-600">
                  <tr>
                    <th scope="col" className="py-1 pr-3 font-medium">
                      Version
                    </th>
                    <th scope="col" className="py-1 pr-3 font-medium">
                      Kind
                    </th>
                    <th scope="col" className="py-1 pr-3 font-medium">
                      Fingerprint
                    </th>
                    <th scope="col" className="py-1 pr-3 font-medium">
                      Added (UTC)
                    </th>
                    <th scope="col" className="py-1 font-medium">
                      State
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {d.keys.map((k) => (
                    <tr key={k.version}>
                      <td className="py-1.5 pr-3 tabular-nums">v{k.version}</td>
                      <td className="py-1.5 pr-3 text-xs">{KEY_KIND_LABEL[k.kind] ?? k.kind}</td>
                      <td className="py-1.5 pr-3">
                        <code className="font-mono text-xs text-slate-800">{k.fingerprint ?? 'unavailable'}</code>
                      </td>
                      <td className="py-1.5 pr-3 text-xs whitespace-nowrap">{formatUtc(k.createdAt).replace(' UTC', '')}</td>
                      <td className="py-1.5">{k.retiredAt ? <Badge>Retired</Badge> : <Badge tone="ok">Valid</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          </Card>
          {d.kind === 'ecdsa' && (
            <Card title="Sensors" description="Readings of these sensors are accepted only with this gateway's signature.">
              {d.sensors.length ? (
                <ul className="flex flex-wrap gap-1">
                  {d.sensors.map((s) => (
                    <li key={s} className="rounded bg-slate-50 px-1.5 py-0.5 font-mono text-xs text-slate-700 ring-1 ring-slate-200 ring-inset">
                      {s}
                    </li>
                  ))}
                </ul>
              ) : (
                <p className="text-sm text-slate-600">No sensor is assigned.</p>
              )}
            </Card>
          )}
        </div>
        <div className="grid gap-4">
          <Card title="State">
            <DataList
              items={[
                { term: 'Last reading', description: <Utc d={d.state?.lastReadingAt} /> },
                { term: 'Last value', description: d.state?.lastValue != null ? `${d.state.lastValue} ${unit}` : none },
                {
                  term: 'Excursion',
                  description: d.state?.excursionStartedAt ? (
                    <span>
                      Since <Utc d={d.state.excursionStartedAt} />, peak {d.state.excursionPeak} {unit}
                    </span>
                  ) : (
                    'None'
                  ),
                },
                { term: 'Communication', description: d.state?.commLossSince ? <span className="font-medium text-amber-900">Lost since {formatUtc(d.state.commLossSince)}</span> : 'OK' },
              ]}
            />
          </Card>
          <Card title="Open alarms" actions={<AlarmBadges kinds={d.openAlarms.map((a) => a.kind)} />}>
            {d.openAlarms.length === 0 ? (
              <p className="text-sm text-slate-600">No open alarm.</p>
            ) : (
              <ul className="grid gap-1.5 text-sm">
                {d.openAlarms.map((a) => (
                  <li key={a.id}>
                    <span className="font-medium">{ALARM_LABEL[a.kind] ?? a.kind}</span> since <Utc d={a.openedAt} />
                    {a.recordId && (
                      <>
                        {' · '}
                        <Link href={`/records/${a.recordId}`} className="font-medium text-accent-800 underline-offset-2 hover:underline">
                          {a.recordNumber ?? 'record'}
                        </Link>
                      </>
                    )}
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
