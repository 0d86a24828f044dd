import type { ReactNode } from 'react';

export interface TStatProps {
  label: ReactNode;
  value: ReactNode;
  /** A short qualifier under the value, e.g. the unit or the time it refers to. */
  hint?: ReactNode;
  className?: string;
}

// A one-pair description list, so assistive technology reads the label with its value.
// Values wrap rather than truncate: a record value must never be shown cut off.
export function Stat({ label, value, hint, className }: TStatProps) {
  return (
    <dl className={['min-w-0', className].filter(Boolean).join(' ')}>
      <dt className="text-xs font-medium text-slate-600">{label}</dt>
      <dd className="mt-1 text-base break-words font-semibold text-slate-900 tabular-nums">{value}</dd>
      {hint !== undefined && <dd className="mt-0.5 text-xs text-slate-600">{hint}</dd>}
    </dl>
  );
}
