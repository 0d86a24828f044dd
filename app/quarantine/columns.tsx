'use client';

import Link from 'next/link';
import { dataTableColumnHelper } from '@/components/data-table/features';
import { receivedColumn } from '@/components/data-table/received-column';
import type { TQuarantineRow } from '@/lib/telemetry/list-quarantine';
import { QuarantineStatusBadge, REASON_LABEL } from './status-badge';

const col = dataTableColumnHelper<TQuarantineRow>();

// The bytes themselves never reach this table: size, hash and an escaped preview only.
export const quarantineColumns = col.columns([
  col.accessor('id', {
    id: 'id',
    header: 'Entry',
    enableSorting: false,
    cell: (c) => (
      <Link href={`/quarantine/${c.getValue()}`} className="font-mono text-xs font-medium whitespace-nowrap text-accent-800 underline-offset-2 hover:underline">
        Q-{c.getValue()}
      </Link>
    ),
    meta: { className: 'w-20' },
  }),
  col.accessor('receivedAt', receivedColumn),
  col.accessor('deviceHint', {
    id: 'origin',
    header: 'Origin',
    enableSorting: false,
    cell: (c) => (
      <div className="leading-tight">
        <div className="font-mono text-xs text-slate-900">{c.getValue() ?? <span className="font-sans text-slate-500">unknown device</span>}</div>
        <div className="text-xs text-slate-600">
          {c.row.original.source.toUpperCase()}
          {c.row.original.topic && <span className="font-mono break-all"> · {c.row.original.topic}</span>}
        </div>
      </div>
    ),
    meta: { className: 'min-w-56' },
  }),
  col.accessor('reason', {
    id: 'reason',
    header: 'Reason',
    enableSorting: false,
    cell: (c) => (
      <div className="leading-tight">
        <div className="text-slate-900">{REASON_LABEL[c.getValue()] ?? c.getValue()}</div>
        <div className="font-mono text-[11px] text-slate-600">{c.getValue()}</div>
      </div>
    ),
    meta: { className: 'min-w-40' },
  }),
  col.accessor('size', {
    id: 'size',
    header: 'Size',
    enableSorting: false,
    cell: (c) => <span className="whitespace-nowrap tabular-nums">{c.getValue().toLocaleString('en-GB')} B</span>,
    meta: { className: 'w-20 text-right' },
  }),
  col.accessor('sha256', {
    id: 'sha256',
    header: 'SHA-256',
    enableSorting: false,
    cell: (c) => (
      <code className="font-mono text-xs text-slate-700" title={c.getValue()}>
        {c.getValue().slice(0, 12)}…
      </code>
    ),
    meta: { className: 'w-28' },
  }),
  col.accessor('preview', {
    id: 'preview',
    header: 'Preview (escaped)',
    enableSorting: false,
    cell: (c) => (
      <code className="block max-w-72 truncate font-mono text-[11px] text-slate-700" title={c.getValue()}>
        {c.getValue()}
        {c.row.original.previewTruncated && '…'}
      </code>
    ),
  }),
  col.accessor('status', {
    id: 'status',
    header: 'Status',
    enableSorting: false,
    cell: (c) => <QuarantineStatusBadge status={c.getValue()} />,
    meta: { className: 'w-28 whitespace-nowrap' },
  }),
]);
