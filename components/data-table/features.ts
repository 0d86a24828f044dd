import { createColumnHelper, metaHelper, rowPaginationFeature, rowSortingFeature, tableFeatures, type RowData } from '@tanstack/react-table';

// Server-paged tables: the database filters, sorts and pages; the table only describes the
// current page and turns header clicks into new URLs. So sorting and pagination are registered
// for their state and APIs, without client row models.

export interface TDataTableColumnMeta {
  /** Classes for this column's header and cells (width, alignment, wrapping). */
  className?: string;
}

export const dataTableFeatures = tableFeatures({
  rowSortingFeature,
  rowPaginationFeature,
  columnMeta: metaHelper<TDataTableColumnMeta>(),
});

export type TDataTableFeatures = typeof dataTableFeatures;

/** Column helper bound to the data table's features: `const col = dataTableColumnHelper<TRow>()`. */
export function dataTableColumnHelper<TRow extends RowData>() {
  return createColumnHelper<TDataTableFeatures, TRow>();
}
