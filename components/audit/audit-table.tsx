'use client';

import { useTable, type ColumnDef, type SortingState, type Updater } from '@tanstack/react-table';
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo, useRef, useState, useTransition, type KeyboardEvent } from 'react';
import { dataTableFeatures, type TDataTableFeatures } from '@/components/data-table/features';
import { hrefWith } from '@/components/data-table/url-state';
import type { TAuditRow } from '@/lib/audit/query-audit';
import { AuditDetailDrawer } from './audit-detail-drawer';

/**
 * A row of the viewer: the service's row, keyed by seq, with its entity and context ref by their
 * human reference (`BR-000005`, an employee ID) when the page could resolve them.
 */
export type TAuditListRow = TAuditRow & { id: string; entityLabel?: string; contextLabel?: string | null };

export interface TPageLink {
  label: string;
  href: string | null;
  rel?: 'prev' | 'next';
}

export interface TAuditTableProps {
  /** From the page's columns file (a client module); only the column with id "seq" sorts. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ReadonlyArray<ColumnDef<TDataTableFeatures, TAuditListRow, any>>;
  rows: TAuditListRow[];
  dir: 'asc' | 'desc';
  /** Keyset navigation built by the page from the service's cursors: first, toward one end, toward the other. */
  links: TPageLink[];
  summary: string;
  empty: string;
}

const ARIA_SORT = { asc: 'ascending', desc: 'descending' } as const;
const LINK = 'inline-flex h-7 items-center rounded-md px-2.5 text-xs font-medium ring-1 ring-inset';

/**
 * The trail, one server page at a time (TanStack Table in manual mode: the database filters,
 * orders and pages; the table describes the page). A row opens its detail drawer on click, or
 * on Enter/Space when focused; ↑/↓ move between rows.
 */
export function AuditTable({ columns, rows, dir, links, summary, empty }: TAuditTableProps) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [pending, startTransition] = useTransition();
  const [open, setOpen] = useState<TAuditListRow | null>(null);
  const opener = useRef<HTMLTableRowElement | null>(null);

  const sorting = useMemo<SortingState>(() => [{ id: 'seq', desc: dir === 'desc' }], [dir]);
  const onSortingChange = useCallback(
    (updater: Updater<SortingState>) => {
      const next = typeof updater === 'function' ? updater(sorting) : updater;
      const desc = next[0]?.desc ?? true;
      // A new order starts at its first page: the cursors belong to the old one.
      startTransition(() => router.push(hrefWith(pathname, searchParams.toString(), { dir: desc ? null : 'asc', before: null, after: null })));
    },
    [sorting, pathname, searchParams, router],
  );

  const table = useTable({
    features: dataTableFeatures,
    columns,
    data: rows,
    getRowId: (row) => row.id,
    state: { sorting, pagination: { pageIndex: 0, pageSize: Math.max(rows.length, 1) } },
    onSortingChange,
    manualSorting: true,
    manualPagination: true,
    enableMultiSort: false,
    enableSortingRemoval: false,
  });

  const openRow = (row: TAuditListRow, el: HTMLTableRowElement) => {
    opener.current = el;
    setOpen(row);
  };
  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, row: TAuditListRow) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      openRow(row, e.currentTarget);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const sibling = e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling;
      (sibling as HTMLElement | null)?.focus();
    }
  };

  const tableRows = table.getRowModel().rows;
  return (
    <div className="grid gap-2">
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-xs">
        <table className="w-full border-collapse text-left text-sm" aria-busy={pending || undefined} aria-describedby="audit-table-help">
          <caption className="sr-only">Audit trail events, {dir === 'desc' ? 'newest' : 'oldest'} first</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const column = header.column;
                  const sorted = column.getIsSorted();
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      aria-sort={column.getCanSort() ? (sorted ? ARIA_SORT[sorted] : 'none') : undefined}
                      className={['px-3 py-2 font-medium whitespace-nowrap', column.columnDef.meta?.className].filter(Boolean).join(' ')}
                    >
                      {column.getCanSort() ? (
                        <button
                          type="button"
                          onClick={column.getToggleSortingHandler()}
                          title={dir === 'desc' ? 'Show oldest first' : 'Show newest first'}
                          className="-mx-1 inline-flex items-center gap-1 rounded px-1 py-0.5 font-medium text-slate-700 hover:bg-slate-200/60 hover:text-slate-900"
                        >
                          <table.FlexRender header={header} />
                          <svg aria-hidden="true" viewBox="0 0 12 12" className="size-3 text-slate-900" fill="currentColor">
                            {dir === 'asc' ? <path d="M6 2 9 5.5H3L6 2Z" /> : <path d="M6 10 3 6.5h6L6 10Z" />}
                          </svg>
                        </button>
                      ) : (
                        <table.FlexRender header={header} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody className={['divide-y divide-slate-100', pending ? 'opacity-60' : ''].join(' ')}>
            {tableRows.length === 0 ? (
              <tr>
                <td colSpan={columns.length} className="px-3 py-6 text-center text-slate-600">
                  {empty}
                </td>
              </tr>
            ) : (
              tableRows.map((row) => (
                <tr
                  key={row.id}
                  tabIndex={0}
                  data-seq={row.original.seq}
                  onClick={(e) => openRow(row.original, e.currentTarget)}
                  onKeyDown={(e) => onRowKey(e, row.original)}
                  className={[
                    'cursor-pointer hover:bg-slate-50 focus:bg-accent-50 focus:outline-2 focus:-outline-offset-2 focus:outline-accent-700',
                    open?.seq === row.original.seq ? 'bg-accent-50' : '',
                  ].join(' ')}
                >
                  {row.getAllCells().map((cell) => (
                    <td key={cell.id} className={['px-3 py-1.5 align-top', cell.column.columnDef.meta?.className].filter(Boolean).join(' ')}>
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <nav aria-label="Pagination" className="flex flex-wrap items-center justify-between gap-3 text-xs text-slate-600" data-print="hide">
        <p className="tabular-nums" aria-live="polite">
          {summary}
          <span id="audit-table-help" className="ml-2 text-slate-500">
            Select a row, or press Enter on it, for the event&rsquo;s details.
          </span>
        </p>
        <div className="flex items-center gap-1.5">
          {links.map((l) =>
            l.href ? (
              <Link key={l.label} href={l.href} rel={l.rel} className={`${LINK} bg-white text-slate-800 ring-slate-300 hover:bg-slate-50`}>
                {l.label}
              </Link>
            ) : (
              <span key={l.label} aria-disabled="true" className={`${LINK} cursor-not-allowed text-slate-500 ring-slate-200`}>
                {l.label}
              </span>
            ),
          )}
        </div>
      </nav>
      {open && (
        <AuditDetailDrawer
          row={open}
          onClose={() => {
            setOpen(null);
            opener.current?.focus();
          }}
        />
      )}
    </div>
  );
}
