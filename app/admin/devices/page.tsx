import type { Metadata } from 'next';
import { DataTable } from '@/components/data-table/data-table';
import { DataTableToolbar } from '@/components/data-table/data-table-toolbar';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { baseApprovals } from '@/lib/change-requests/kinds';
import { getDb } from '@/lib/db/client';
import { listDeviceSummaries } from '@/lib/devices/list-device-summaries';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { NotPermitted } from '../not-permitted';
import { deviceColumns } from './columns';
import { DEVICE_STATUS_OPTIONS } from './device-badges';
import { DeviceRequestDialog } from './device-request-dialog';

export const metadata: Metadata = { title: 'Devices' };
export const dynamic = 'force-dynamic';

const PARAMS = ['q', 'status', 'sort', 'dir', 'page', 'pageSize'] as const;

export default async function DevicesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser('/admin/devices');
  if (!can(user, 'devices.read')) return <NotPermitted title="Devices" permission="devices.read" />;
  const sp = await searchParams;
  const raw: Record<string, string> = {};
  for (const k of PARAMS) {
    const v = Array.isArray(sp[k]) ? sp[k][0] : sp[k];
    if (typeof v === 'string' && v.trim() !== '') raw[k] = v;
  }

  let result: Awaited<ReturnType<typeof listDeviceSummaries>> | null = null;
  let error: { message: string; fields: string[] } | null = null;
  try {
    result = await listDeviceSummaries(getDb(), user, raw);
  } catch (e) {
    if (!isAppError(e) || e.code !== 'BAD_REQUEST') throw e;
    error = { message: `${e.message}. Correct the filter or clear it.`, fields: Object.keys(e.fields ?? {}) };
  }
  const filtered = Boolean(raw.q || raw.status);

  return (
    <>
      <PageHeader
        title="Devices"
        description="Signing devices and gateways, their keys, calibration and alarms. Registering a device or rotating its key is a change request approved by two other people."
        actions={
          can(user, 'devices.manage') ? (
            <DeviceRequestDialog mode="register" approvals={baseApprovals('device.register')} />
          ) : (
            <DisabledButton variant="primary" reason="Requires the permission devices.manage">
              Register device
            </DisabledButton>
          )
        }
      />
      <div className="grid gap-3">
        <DataTableToolbar
          action="/admin/devices"
          filters={[
            { type: 'search', name: 'q', label: 'Search', value: raw.q, placeholder: 'Device, sensor or description' },
            { type: 'select', name: 'status', label: 'Status', value: raw.status, placeholder: 'Any status', options: DEVICE_STATUS_OPTIONS },
          ]}
          keep={{ sort: result?.query.sort, dir: result?.query.dir, pageSize: raw.pageSize }}
          error={error ?? undefined}
        />
        {result && (
          <DataTable
            caption="Devices"
            columns={deviceColumns}
            data={result.items}
            rowCount={result.total}
            state={{ sort: result.query.sort, dir: result.query.dir, page: result.page, pageSize: result.pageSize }}
            empty={filtered ? 'No device matches these filters.' : 'No device is registered yet.'}
          />
        )}
      </div>
    </>
  );
}
