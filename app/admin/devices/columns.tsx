'use client';

import Link from 'next/link';
import { dataTableColumnHelper } from '@/components/data-table/features';
import { UtcTime } from '@/components/ui/utc-time';
import type { TDeviceSummaryRow } from '@/lib/devices/list-device-summaries';
import { AlarmBadges, CalibrationDue, DeviceStatusBadge, KEY_KIND_LABEL } from './device-badges';

const col = dataTableColumnHelper<TDeviceSummaryRow>();

// Column ids of sortable columns are the list's sort keys (lib/devices/list-device-summaries.ts).
export const deviceColumns = col.columns([
  col.accessor('id', {
    id: 'id',
    header: 'Device',
    cell: (c) => (
      <div className="leading-tight">
        <Link href={`/admin/devices/${encodeURIComponent(c.getValue())}`} className="font-mono text-xs font-medium text-accent-800 underline-offset-2 hover:underline">
          {c.getValue()}
        </Link>
        {c.row.original.description && <div className="text-xs text-slate-600">{c.row.original.description}</div>}
      </div>
    ),
    meta: { className: 'min-w-40' },
  }),
  col.accessor('kind', {
    id: 'kind',
    header: 'Key',
    enableSorting: false,
    cell: (c) => <span className="text-xs font-medium text-slate-700">{KEY_KIND_LABEL[c.getValue()] ?? c.getValue()}</span>,
    meta: { className: 'w-16' },
  }),
  col.accessor('status', {
    id: 'status',
    header: 'Status',
    enableSorting: false,
    cell: (c) => <DeviceStatusBadge status={c.getValue()} />,
    meta: { className: 'w-24 whitespace-nowrap' },
  }),
  col.accessor('firmwareVersion', {
    id: 'firmware',
    header: 'Firmware',
    enableSorting: false,
    cell: (c) => (c.getValue() ? <span className="font-mono text-xs">{c.getValue()}</span> : <span className="text-slate-500">—</span>),
    meta: { className: 'w-24' },
  }),
  col.accessor('calibrationDue', {
    id: 'calibrationDue',
    header: 'Calibration due',
    cell: (c) => <CalibrationDue due={c.getValue()} overdue={c.row.original.calibrationOverdue} />,
    meta: { className: 'w-52 whitespace-nowrap' },
  }),
  col.accessor('sensors', {
    id: 'sensors',
    header: 'Sensors',
    enableSorting: false,
    cell: (c) => {
      const s = c.getValue();
      if (s.length === 0) return <span className="text-slate-500">—</span>;
      return (
        <span className="font-mono text-xs text-slate-700" title={s.join(', ')}>
          {s.slice(0, 3).join(', ')}
          {s.length > 3 && <span className="font-sans text-slate-600"> +{s.length - 3}</span>}
        </span>
      );
    },
  }),
  col.accessor('lastReadingAt', {
    id: 'lastReading',
    header: 'Last reading (UTC)',
    sortDescFirst: true,
    cell: (c) => {
      return <UtcTime iso={c.getValue()} />;
    },
    meta: { className: 'w-40' },
  }),
  col.accessor('openAlarms', {
    id: 'alarms',
    header: 'Open alarms',
    enableSorting: false,
    cell: (c) => <AlarmBadges kinds={c.getValue()} />,
    meta: { className: 'min-w-40' },
  }),
]);
