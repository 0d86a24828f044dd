import Link from 'next/link';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import type { FILTER_KEYS } from '@/lib/audit/audit-filter';

type TFilterKey = (typeof FILTER_KEYS)[number];

/** Labels of the filter fields, also used to name a field in an error message. */
export const FILTER_LABELS: Record<TFilterKey, string> = {
  from: 'From (UTC)',
  to: 'To (UTC)',
  actor: 'Actor',
  action: 'Action',
  entityType: 'Entity type',
  entityId: 'Entity ID',
  contextRef: 'Context ref',
  q: 'Text in reason',
  fromSeq: 'Seq from',
  toSeq: 'Seq to',
};

const FIELDS: Array<{ name: TFilterKey; placeholder?: string; hint?: string; numeric?: boolean; list?: string }> = [
  { name: 'from', placeholder: 'YYYY-MM-DD' },
  { name: 'to', placeholder: 'YYYY-MM-DD' },
  { name: 'actor', placeholder: 'Employee ID' },
  { name: 'action', placeholder: 'record.* or auth.sign_in' },
  { name: 'entityType', placeholder: 'Record', list: 'audit-entity-types' },
  { name: 'entityId', placeholder: 'Record or user id' },
  { name: 'contextRef', placeholder: 'Record:…/v2/transition:…' },
  { name: 'q', placeholder: 'Words of the reason' },
  { name: 'fromSeq', numeric: true },
  { name: 'toSeq', numeric: true },
];

const ENTITY_TYPES = ['Record', 'ChangeRequest', 'User', 'Session', 'Device', 'Role', 'AuditChain'];

/**
 * The filter as a plain GET form: the address is the filter (bookmark it, send it to a
 * colleague), and it works without JavaScript. A new filter starts again at the newest page.
 */
export function AuditFilters({
  values,
  dir,
  errorField,
  errorText,
  chain,
}: {
  values: Partial<Record<TFilterKey, string>>;
  dir: 'asc' | 'desc';
  errorField?: string;
  errorText?: string;
  /** The chain being viewed (kept across filter changes); absent: this site's chain. */
  chain?: string;
}) {
  const active = Object.values(values).some(Boolean);
  return (
    <form method="get" action="/audit" role="search" aria-label="Filter the audit trail" className="rounded-lg border border-slate-200 bg-white px-3 py-2.5 shadow-xs" data-print="hide">
      {chain && <input type="hidden" name="chain" value={chain} />}
      <div className="grid grid-cols-2 gap-x-3 gap-y-2 sm:grid-cols-3 lg:grid-cols-5">
        {FIELDS.map((f) => (
          <Field
            key={f.name}
            name={f.name}
            label={FILTER_LABELS[f.name]}
            defaultValue={values[f.name] ?? ''}
            placeholder={f.placeholder}
            inputMode={f.numeric ? 'numeric' : undefined}
            list={f.list}
            autoComplete="off"
            spellCheck={false}
            error={errorField === f.name ? errorText : undefined}
            className="content-start"
          />
        ))}
      </div>
      <datalist id="audit-entity-types">
        {ENTITY_TYPES.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      {dir === 'asc' && <input type="hidden" name="dir" value="asc" />}
      <div className="mt-2.5 flex items-center justify-between gap-3">
        <p className="text-xs text-slate-600">
          Dates are UTC; a date alone in <em>To</em> includes that whole day. Action accepts a prefix such as <code className="font-mono">record.*</code>.
        </p>
        <div className="flex shrink-0 items-center gap-1.5">
          {active && (
            <Link href={dir === 'asc' ? '/audit?dir=asc' : '/audit'} className="inline-flex h-8.5 items-center rounded-md px-2.5 text-sm font-medium text-slate-700 hover:bg-slate-100">
              Clear
            </Link>
          )}
          <Button type="submit" variant="secondary">
            Apply filter
          </Button>
        </div>
      </div>
    </form>
  );
}
