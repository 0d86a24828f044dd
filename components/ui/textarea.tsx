import { useId, type ComponentProps } from 'react';

export interface TTextareaProps extends ComponentProps<'textarea'> {
  label: string;
  name: string;
  hint?: string;
  error?: string;
}

export function Textarea({ label, hint, error, id, className, rows = 3, ...textarea }: TTextareaProps) {
  const generated = useId();
  const inputId = id ?? generated;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['grid gap-1', className].filter(Boolean).join(' ')}>
      <label htmlFor={inputId} className="text-xs font-medium text-slate-800">
        {label}
        {textarea.required && (
          <span aria-hidden="true" className="ml-0.5 text-red-700">
            *
          </span>
        )}
      </label>
      <textarea
        id={inputId}
        rows={rows}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        className={[
          'w-full rounded-md border bg-white px-2.5 py-1.5 text-sm text-slate-900 shadow-xs placeholder:text-slate-500',
          'focus:border-accent-700 focus:outline-2 focus:outline-offset-0 focus:outline-accent-700/30',
          'disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-600',
          error ? 'border-red-600' : 'border-slate-300',
        ].join(' ')}
        {...textarea}
      />
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
