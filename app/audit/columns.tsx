'use client';

import type { TAuditListRow } from '@/components/audit/audit-table';
import { dataTableColumnHelper } from '@/components/data-table/features';
import { UtcTime } from '@/components/ui/utc-time';

const col = dataTableColumnHelper<TAuditListRow>();
const dash = <span className="text-slate-500">—</span>;

// Only seq sorts: every filter's index ends in seq, so both directions are index scans.
export const auditColumns = col.columns([
  col.accessor('seq', {
    id: 'seq',
    header: 'Seq',
    sortDescFirst: true,
    cell: (c) => <span className="font-mono text-xs text-slate-700 tabular-nums">{c.getValue()}</span>,
    meta: { className: 'w-20 text-right' },
  }),
  col.accessor('occurredAt', {
    id: 'time',
    header: 'Time (UTC)',
    enableSorting: false,
    cell: (c) => <UtcTime iso={c.getValue()} />,
    meta: { className: 'w-36' },
  }),
  col.accessor('actorId', {
    id: 'actor',
    header: 'Actor',
    enableSorting: false,
    cell: (c) => {
      const r = c.row.original;
      return (
        <div className="max-w-44 truncate leading-tight" title={`${r.actorName ?? ''} (${r.actorId})`.trim()}>
          {r.actorName ?? r.actorId}
          {r.actorName && <span className="block truncate font-mono text-[11px] text-slate-600">{r.actorId}</span>}
        </div>
      );
    },
  }),
  col.accessor('action', {
    id: 'action',
    header: 'Action',
    enableSorting: false,
    cell: (c) => <code className="font-mono text-xs whitespace-nowrap text-slate-800">{c.getValue()}</code>,
  }),
  col.accessor('entityType', {
    id: 'entity',
    header: 'Entity',
    enableSorting: false,
    cell: (c) => {
      const r = c.row.original;
      const raw = r.entityId ? `${r.entityType}:${r.entityId}` : r.entityType;
      const text = r.entityLabel ?? raw;
      return (
        <span className="block max-w-48 font-mono text-xs wrap-anywhere text-slate-700" title={raw}>
          {text}
        </span>
      );
    },
  }),
  col.accessor('reason', {
    id: 'reason',
    header: 'Reason',
    enableSorting: false,
    cell: (c) =>
      c.getValue() ? (
        <span className="block max-w-56 truncate" title={c.getValue() ?? undefined}>
          {c.getValue()}
        </span>
      ) : (
        dash
      ),
  }),
  col.accessor('contextRef', {
    id: 'contextRef',
    header: 'Context ref',
    enableSorting: false,
    // Wraps rather than being cut at 1366 px; by its human reference, the raw ref on hover.
    cell: (c) =>
      c.getValue() ? (
        <span className="block max-w-56 min-w-32 font-mono text-[11px] wrap-anywhere text-slate-600" title={c.getValue() ?? undefined} data-testid="context-ref">
          {c.row.original.contextLabel ?? c.getValue()}
        </span>
      ) : (
        dash
      ),
  }),
]);
