import { useId, type ReactNode } from 'react';

// The label, hint and error around every form control (Field, Select, Textarea): one place for
// the accessible wiring (label for=, aria-describedby, aria-invalid) and the look.

export function useFieldIds(id: string | undefined, hint?: string, error?: string) {
  const generated = useId();
  const controlId = id ?? generated;
  const hintId = `${controlId}-hint`;
  const errorId = `${controlId}-error`;
  return {
    controlId,
    hintId,
    errorId,
    describedBy: [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined,
    invalid: error ? (true as const) : undefined,
  };
}

export const CONTROL_CLASS = [
  'w-full rounded-md border bg-white text-sm text-slate-900 shadow-xs',
  'focus:border-accent-700 focus:outline-2 focus:outline-offset-0 focus:outline-accent-700/30',
  'disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-600',
].join(' ');

export function controlBorder(error?: string): string {
  return error ? 'border-red-600' : 'border-slate-300';
}

export function FieldFrame(props: {
  ids: ReturnType<typeof useFieldIds>;
  label: string;
  required?: boolean;
  hideLabel?: boolean;
  hint?: string;
  error?: string;
  className?: string;
  children: ReactNode;
}) {
  const { ids, label, required, hideLabel, hint, error, className, children } = props;
  return (
    <div className={['grid gap-1', className].filter(Boolean).join(' ')}>
      <label htmlFor={ids.controlId} className={hideLabel ? 'sr-only' : 'text-xs font-medium text-slate-800'}>
        {label}
        {required && (
          <span aria-hidden="true" className="ml-0.5 text-red-700">
            *
          </span>
        )}
      </label>
      {children}
      {hint && (
        <p id={ids.hintId} className="text-xs text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={ids.errorId} className="text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
