'use client';

import type { RowData, Table } from '@tanstack/react-table';
import Link from 'next/link';
import { usePathname, useSearchParams } from 'next/navigation';
import type { TDataTableFeatures } from '@/components/data-table/features';
import { pageHref } from '@/components/data-table/url-state';

const LINK = 'inline-flex h-7 items-center rounded-md px-2.5 text-xs font-medium ring-1 ring-inset';

/** "Page X of Y · N rows" with previous/next links: plain links, so paging works without JavaScript. */
export function DataTablePagination<TRow extends RowData>({ table }: { table: Table<TDataTableFeatures, TRow> }) {
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const { pageIndex } = table.atoms.pagination.get();
  const page = pageIndex + 1;
  const pages = Math.max(1, table.getPageCount());
  const rows = table.getRowCount();
  const qs = searchParams.toString();
  return (
    <nav aria-label="Pagination" className="flex items-center justify-between gap-3 text-xs text-slate-600" data-print="hide">
      <p aria-live="polite" className="tabular-nums">
        Page {Math.min(page, pages)} of {pages} · {rows} {rows === 1 ? 'row' : 'rows'}
      </p>
      <div className="flex items-center gap-1.5">
        {table.getCanPreviousPage() ? (
          <Link href={pageHref(pathname, qs, page - 1)} rel="prev" className={`${LINK} bg-white text-slate-800 ring-slate-300 hover:bg-slate-50`}>
            ← Previous
          </Link>
        ) : (
          <span aria-disabled="true" className={`${LINK} cursor-not-allowed text-slate-500 ring-slate-200`}>
            ← Previous
          </span>
        )}
        {table.getCanNextPage() ? (
          <Link href={pageHref(pathname, qs, page + 1)} rel="next" className={`${LINK} bg-white text-slate-800 ring-slate-300 hover:bg-slate-50`}>
            Next →
          </Link>
        ) : (
          <span aria-disabled="true" className={`${LINK} cursor-not-allowed text-slate-500 ring-slate-200`}>
            Next →
          </span>
        )}
      </div>
    </nav>
  );
}
