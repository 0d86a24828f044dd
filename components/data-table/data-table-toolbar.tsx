import Link from 'next/link';
import { useId } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Select, type TSelectOption } from '@/components/ui/select';

export type TDataTableFilter =
  | { type: 'search'; name: string; label: string; value?: string; placeholder?: string }
  | { type: 'select'; name: string; label: string; value?: string; options: readonly TSelectOption[]; placeholder: string };

export interface TDataTableToolbarProps {
  /** The page's own path: the form submits to it with GET. */
  action: string;
  filters: TDataTableFilter[];
  /** Parameters kept when filtering (the sort); the page is not kept: new filters start at page 1. */
  keep?: Record<string, string | undefined>;
  /** A filter the server refused (e.g. an invalid value in the address): the message, and the filters it names. */
  error?: { message: string; fields: string[] };
  /**
   * Filters to mark invalid when the page shows the message itself (keys are filter names).
   * Kept for pages that render their own alert; prefer `error`.
   */
  errors?: Record<string, string>;
}

/**
 * Filters as a plain GET form: works without JavaScript, and the result is an address that can be
 * bookmarked or sent to a colleague.
 */
export function DataTableToolbar({ action, filters, keep = {}, error, errors = {} }: TDataTableToolbarProps) {
  const errorId = useId();
  const active = filters.some((f) => f.value);
  // One message under the row (inside the row it would break the alignment); the filters it
  // concerns are marked invalid and point to it.
  const state = (name: string, width: string) =>
    error?.fields.includes(name) || errors[name]
      ? {
          'aria-invalid': true as const,
          'aria-describedby': error?.fields.includes(name) ? errorId : undefined,
          className: `${width} [&_:is(input,select)]:border-red-600`,
        }
      : { className: width };
  return (
    <form method="get" action={action} role="search" aria-label="Filter" className="grid gap-2" data-print="hide">
      <div className="flex flex-wrap items-end gap-2">
        {filters.map((f) =>
          f.type === 'search' ? (
            <Field
              key={f.name}
              type="search"
              name={f.name}
              label={f.label}
              defaultValue={f.value ?? ''}
              placeholder={f.placeholder}
              {...state(f.name, 'w-64')}
            />
          ) : (
            <Select
              key={f.name}
              name={f.name}
              label={f.label}
              defaultValue={f.value ?? ''}
              options={f.options}
              placeholder={f.placeholder}
              {...state(f.name, 'w-40')}
            />
          ),
        )}
        {Object.entries(keep).map(([k, v]) => (v ? <input key={k} type="hidden" name={k} value={v} /> : null))}
        <div className="flex items-center gap-1.5">
          <Button type="submit" variant="secondary">
            Apply
          </Button>
          {active && (
            <Link href={action} className="inline-flex h-8.5 items-center rounded-md px-2.5 text-sm font-medium text-slate-700 hover:bg-slate-100">
              Clear
            </Link>
          )}
        </div>
      </div>
      {error && (
        <Alert tone="danger" id={errorId}>
          {error.message}
        </Alert>
      )}
    </form>
  );
}
