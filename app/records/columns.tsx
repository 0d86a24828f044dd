'use client';

import Link from 'next/link';
import { dataTableColumnHelper } from '@/components/data-table/features';
import { UtcTime } from '@/components/ui/utc-time';
import type { TRecordRow } from '@/lib/records/list-records';
import { StatusBadge } from './status-badge';

/** A list row: the service's row with the kind's label (kinds.ts stays on the server). */
export type TRecordListRow = TRecordRow & { kindLabel: string };

const col = dataTableColumnHelper<TRecordListRow>();

// Column ids of sortable columns are the list's sort keys (lib/records/list-records.ts).
export const recordColumns = col.columns([
  col.accessor('number', {
    id: 'number',
    header: 'Number',
    cell: (c) => (
      <Link href={`/records/${c.row.original.id}`} className="font-mono text-xs font-medium text-accent-800 underline-offset-2 hover:underline">
        {c.getValue()}
      </Link>
    ),
    meta: { className: 'w-28 whitespace-nowrap' },
  }),
  col.accessor('title', { id: 'title', header: 'Title', meta: { className: 'min-w-48' } }),
  col.accessor('kindLabel', { id: 'kind', header: 'Kind', enableSorting: false, meta: { className: 'whitespace-nowrap text-slate-700' } }),
  col.accessor('status', {
    id: 'status',
    header: 'Status',
    enableSorting: false,
    cell: (c) => <StatusBadge status={c.getValue()} />,
    meta: { className: 'whitespace-nowrap' },
  }),
  col.accessor('currentVersion', {
    id: 'version',
    header: 'Version',
    enableSorting: false,
    cell: (c) => <span className="tabular-nums">v{c.getValue()}</span>,
    meta: { className: 'w-16' },
  }),
  col.accessor('lastSignature', {
    id: 'lastSignature',
    header: 'Last signature',
    enableSorting: false,
    cell: (c) => {
      const s = c.getValue();
      if (!s) return <span className="text-slate-500">—</span>;
      return (
        <div className="leading-tight">
          <div>
            {s.printedName} <span className="text-xs font-medium text-slate-600">· {s.meaning}</span>
          </div>
          <UtcTime iso={s.signedAt} suffix=" UTC" className="text-xs text-slate-600" />
        </div>
      );
    },
  }),
  col.accessor('updatedAt', {
    id: 'updated',
    header: 'Updated (UTC)',
    sortDescFirst: true,
    cell: (c) => <UtcTime iso={c.getValue()} />,
    meta: { className: 'w-40' },
  }),
]);
