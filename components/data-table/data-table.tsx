'use client';

import { useTable, type ColumnDef, type SortingState, type Updater } from '@tanstack/react-table';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useCallback, useMemo, useTransition, type ReactNode } from 'react';
import { DataTablePagination } from '@/components/data-table/data-table-pagination';
import { dataTableFeatures, type TDataTableFeatures } from '@/components/data-table/features';
import { sortHref, type TTableUrlState } from '@/components/data-table/url-state';

export interface TDataTableProps<TRow extends { id: string }> {
  /** Defined in the page's own columns file (a client module) with `dataTableColumnHelper().columns([...])`. */
  // `any`: each column keeps its own value type; this is the type the helper's columns() returns.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ReadonlyArray<ColumnDef<TDataTableFeatures, TRow, any>>;
  /** The current page only, already filtered, sorted and paged by the server. */
  data: TRow[];
  /** Rows matching the filters, on all pages. */
  rowCount: number;
  state: TTableUrlState;
  /** Names the table for assistive technology (visually hidden). */
  caption: string;
  empty?: ReactNode;
}

const ARIA_SORT = { asc: 'ascending', desc: 'descending' } as const;

/**
 * A server-paged table. Sorting and paging are manual: the URL is the state, a header click
 * navigates to the new address and the server renders the page it names.
 */
export function DataTable<TRow extends { id: string }>({ columns, data, rowCount, state, caption, empty }: TDataTableProps<TRow>) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [pending, startTransition] = useTransition();

  const sorting = useMemo<SortingState>(() => [{ id: state.sort, desc: state.dir === 'desc' }], [state.sort, state.dir]);
  const pagination = useMemo(() => ({ pageIndex: state.page - 1, pageSize: state.pageSize }), [state.page, state.pageSize]);

  const onSortingChange = useCallback(
    (updater: Updater<SortingState>) => {
      const next = typeof updater === 'function' ? updater(sorting) : updater;
      const first = next[0];
      if (!first) return;
      startTransition(() => router.push(sortHref(pathname, searchParams.toString(), first.id, first.desc ? 'desc' : 'asc')));
    },
    [sorting, pathname, searchParams, router],
  );

  const table = useTable({
    features: dataTableFeatures,
    columns,
    data,
    getRowId: (row) => row.id,
    state: { sorting, pagination },
    onSortingChange,
    manualSorting: true,
    manualPagination: true,
    rowCount,
    // One column at a time, never "unsorted": the server always applies an order.
    enableMultiSort: false,
    enableSortingRemoval: false,
  });

  const rows = table.getRowModel().rows;
  const columnCount = table.getAllLeafColumns().length;

  return (
    <div className="grid gap-2">
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-xs">
        <table className="w-full border-collapse text-left text-sm" aria-busy={pending || undefined}>
          <caption className="sr-only">{caption}</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
            {table.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const column = header.column;
                  const canSort = column.getCanSort();
                  const sorted = column.getIsSorted();
                  return (
                    <th
                      key={header.id}
                      scope="col"
                      colSpan={header.colSpan}
                      aria-sort={canSort ? (sorted ? ARIA_SORT[sorted] : 'none') : undefined}
                      className={['px-3 py-2 font-medium whitespace-nowrap', column.columnDef.meta?.className].filter(Boolean).join(' ')}
                    >
                      {header.isPlaceholder ? null : canSort ? (
                        <button
                          type="button"
                          onClick={column.getToggleSortingHandler()}
                          className="-mx-1 inline-flex items-center gap-1 rounded px-1 py-0.5 font-medium text-slate-700 hover:bg-slate-200/60 hover:text-slate-900"
                        >
                          <table.FlexRender header={header} />
                          <SortIcon dir={sorted} />
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
            {rows.length === 0 ? (
              <tr>
                <td colSpan={columnCount} className="px-3 py-6 text-center text-slate-600">
                  {empty ?? 'No rows.'}
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id} className="hover:bg-slate-50">
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
      <DataTablePagination table={table} />
    </div>
  );
}

/** Both arrows when unsorted (sortable), one when sorted; the header's aria-sort carries the meaning. */
function SortIcon({ dir }: { dir: false | 'asc' | 'desc' }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 12 12" className={['size-3', dir ? 'text-slate-900' : 'text-slate-400'].join(' ')} fill="currentColor">
      {dir !== 'desc' && <path d="M6 2 9 5.5H3L6 2Z" />}
      {dir !== 'asc' && <path d="M6 10 3 6.5h6L6 10Z" />}
    </svg>
  );
}
