'use client';

import Link from 'next/link';
import { dataTableColumnHelper } from '@/components/data-table/features';
import { CrStatusBadge } from './status-badge';

export interface TCrListRow {
  id: string;
  number: string;
  kind: string;
  kindLabel: string;
  status: string;
  requesterName: string;
  targetLabel: string;
  approvals: string;
  createdAt: string;
  expiresAt: string;
}

// Minutes are enough to find a request in a list; its page shows the exact times.
const utc = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const col = dataTableColumnHelper<TCrListRow>();

// The queue is always newest first (lib/change-requests/list-change-requests.ts): no column sorts.
export const crColumns = col.columns([
  col.accessor('number', {
    id: 'number',
    header: 'Number',
    enableSorting: false,
    cell: (c) => (
      <Link href={`/change-requests/${c.row.original.id}`} className="font-mono text-xs font-medium text-accent-800 underline-offset-2 hover:underline">
        {c.getValue()}
      </Link>
    ),
    meta: { className: 'w-28 whitespace-nowrap' },
  }),
  col.accessor('kindLabel', { id: 'kind', header: 'Change', enableSorting: false, meta: { className: 'whitespace-nowrap' } }),
  col.accessor('targetLabel', { id: 'target', header: 'Target', enableSorting: false, meta: { className: 'min-w-40 text-slate-700' } }),
  col.accessor('requesterName', { id: 'requester', header: 'Requested by', enableSorting: false, meta: { className: 'whitespace-nowrap' } }),
  col.accessor('status', {
    id: 'status',
    header: 'Status',
    enableSorting: false,
    cell: (c) => <CrStatusBadge status={c.getValue()} />,
    meta: { className: 'whitespace-nowrap' },
  }),
  col.accessor('approvals', {
    id: 'approvals',
    header: 'Approvals',
    enableSorting: false,
    cell: (c) => <span className="tabular-nums">{c.getValue()}</span>,
    meta: { className: 'whitespace-nowrap' },
  }),
  col.accessor('createdAt', {
    id: 'created',
    header: 'Submitted (UTC)',
    enableSorting: false,
    cell: (c) => (
      <time dateTime={c.getValue()} className="whitespace-nowrap text-slate-700 tabular-nums">
        {utc(c.getValue())}
      </time>
    ),
    meta: { className: 'w-36' },
  }),
  col.accessor('expiresAt', {
    id: 'expires',
    header: 'Expires (UTC)',
    enableSorting: false,
    // Only an open request can still expire.
    cell: (c) =>
      c.row.original.status === 'submitted' ? (
        <time dateTime={c.getValue()} className="whitespace-nowrap text-slate-700 tabular-nums">
          {utc(c.getValue())}
        </time>
      ) : (
        <span className="text-slate-500">—</span>
      ),
    meta: { className: 'w-36' },
  }),
]);
