// The table's state lives in the URL (sort, dir, page): a page is linkable, survives reload,
// and the server renders exactly what the address says.

export type TSortDir = 'asc' | 'desc';

export interface TTableUrlState {
  sort: string;
  dir: TSortDir;
  /** 1-based, as in the address bar. */
  page: number;
  pageSize: number;
}

/** `pathname?query` with `changes` applied; null or '' removes a parameter. */
export function hrefWith(
  pathname: string,
  current: URLSearchParams | string,
  changes: Record<string, string | number | null | undefined>,
): string {
  const next = new URLSearchParams(current);
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === undefined || v === '') next.delete(k);
    else next.set(k, String(v));
  }
  const qs = next.toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

/** The address for a new sort: a new order starts again at page 1. */
export function sortHref(pathname: string, current: URLSearchParams | string, sort: string, dir: TSortDir): string {
  return hrefWith(pathname, current, { sort, dir, page: null });
}

export function pageHref(pathname: string, current: URLSearchParams | string, page: number): string {
  return hrefWith(pathname, current, { page: page <= 1 ? null : page });
}

export function pageCount(rowCount: number, pageSize: number): number {
  return Math.max(1, Math.ceil(rowCount / pageSize));
}
