import { useId, type ComponentProps } from 'react';

export interface TSelectOption {
  value: string;
  label: string;
}

export interface TSelectProps extends ComponentProps<'select'> {
  label: string;
  name: string;
  options: readonly TSelectOption[];
  /** A first, empty choice such as "Any kind" (value ""). */
  placeholder?: string;
  hint?: string;
  error?: string;
  /** Label visible only to assistive technology (dense toolbars). */
  hideLabel?: boolean;
}

export function Select({ label, options, placeholder, hint, error, hideLabel, id, className, ...select }: TSelectProps) {
  const generated = useId();
  const selectId = id ?? generated;
  const hintId = `${selectId}-hint`;
  const errorId = `${selectId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['grid gap-1', className].filter(Boolean).join(' ')}>
      <label htmlFor={selectId} className={hideLabel ? 'sr-only' : 'text-xs font-medium text-slate-800'}>
        {label}
        {select.required && (
          <span aria-hidden="true" className="ml-0.5 text-red-700">
            *
          </span>
        )}
      </label>
      <select
        id={selectId}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        className={[
          'h-8.5 w-full rounded-md border bg-white px-2 text-sm text-slate-900 shadow-xs',
          'focus:border-accent-700 focus:outline-2 focus:outline-offset-0 focus:outline-accent-700/30',
          'disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-600',
          error ? 'border-red-600' : 'border-slate-300',
        ].join(' ')}
        {...select}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {hint && (
        <p id={hintId} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={errorId} className="text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
