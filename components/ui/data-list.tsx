import type { ReactNode } from 'react';

export interface TDataListItem {
  /** Stable React key; defaults to the term when the term is a string. */
  key?: string;
  term: ReactNode;
  description: ReactNode;
}

export interface TDataListProps {
  items: TDataListItem[];
  className?: string;
}

export function DataList({ items, className }: TDataListProps) {
  return (
    <dl className={['divide-y divide-slate-200 text-sm', className].filter(Boolean).join(' ')}>
      {items.map((item, i) => (
        <div
          key={item.key ?? (typeof item.term === 'string' ? item.term : i)}
          className="grid gap-x-4 gap-y-0.5 py-2 first:pt-0 last:pb-0 sm:grid-cols-[minmax(9rem,1fr)_2fr]"
        >
          <dt className="font-medium text-slate-700">{item.term}</dt>
          {/* A long unbroken value (a hash, a token) wraps rather than widening the page. */}
          <dd className="min-w-0 wrap-anywhere text-slate-900">{item.description}</dd>
        </div>
      ))}
    </dl>
  );
}
