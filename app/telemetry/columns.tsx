'use client';

import { dataTableColumnHelper } from '@/components/data-table/features';
import { receivedColumn } from '@/components/data-table/received-column';
import type { TReadingRow } from '@/lib/telemetry/list-readings';
import { formatSkew, ReadingFlags } from './reading-flags';

const col = dataTableColumnHelper<TReadingRow>();

// Values and device times are shown exactly as the device sent them (11.10(a)): never parsed
// and re-formatted. The column id "received" is the list's sort key (lib/telemetry/list-readings.ts).
export const readingColumns = col.columns([
  col.accessor('receivedAt', receivedColumn),
  col.accessor('valueText', {
    id: 'value',
    header: 'Value (as sent)',
    enableSorting: false,
    cell: (c) => (
      <span className="font-mono text-xs whitespace-nowrap text-slate-900">
        {c.getValue()}
        {c.row.original.unit && <span className="ml-1 font-sans text-slate-600">{c.row.original.unit}</span>}
      </span>
    ),
    meta: { className: 'w-32 text-right' },
  }),
  col.accessor('deviceTs', {
    id: 'deviceTs',
    header: 'Device time (as sent)',
    enableSorting: false,
    cell: (c) => <span className="font-mono text-xs whitespace-nowrap text-slate-700">{c.getValue()}</span>,
  }),
  col.accessor('skewMs', {
    id: 'skew',
    header: 'Skew',
    enableSorting: false,
    cell: (c) => (
      <span className="whitespace-nowrap text-slate-700 tabular-nums" title="Device time minus received time">
        {formatSkew(c.getValue())}
      </span>
    ),
    meta: { className: 'w-20 text-right' },
  }),
  col.accessor('sensorId', {
    id: 'source',
    header: 'Sensor · key',
    enableSorting: false,
    cell: (c) => (
      <span className="text-xs whitespace-nowrap text-slate-700">
        {c.getValue() ?? <span className="text-slate-500">device</span>}
        {' · '}
        {c.row.original.format === 'ecdsa' ? 'ECDSA' : `HMAC v${c.row.original.keyVersion ?? 1}`}
      </span>
    ),
  }),
  col.accessor('flags', {
    id: 'flags',
    header: 'Flags',
    enableSorting: false,
    cell: (c) => <ReadingFlags flags={c.getValue()} />,
    meta: { className: 'min-w-40' },
  }),
  col.display({
    id: 'proof',
    header: () => <span className="sr-only">Inclusion proof</span>,
    cell: (c) => (
      // A readable page; the JSON is a download from there.
      <a
        href={`/telemetry/proof/${c.row.original.id}`}
        className="text-xs font-medium whitespace-nowrap text-accent-800 underline-offset-2 hover:underline"
        aria-label={`Proof of reading ${c.row.original.id}`}
      >
        Proof
      </a>
    ),
    meta: { className: 'w-14 text-right' },
  }),
]);
