import type { ComponentProps } from 'react';
import { CONTROL_CLASS, FieldFrame, controlBorder, useFieldIds } from '@/components/ui/field-frame';

export interface TFieldProps extends ComponentProps<'input'> {
  label: string;
  name: string;
  /** Guidance shown under the input, read with it by screen readers. */
  hint?: string;
  /** Validation message, e.g. from a server action's `fieldErrors`. */
  error?: string;
}

export function Field({ label, hint, error, id, className, ...input }: TFieldProps) {
  const ids = useFieldIds(id, hint, error);
  return (
    <FieldFrame ids={ids} label={label} required={input.required} hint={hint} error={error} className={className}>
      <input
        id={ids.controlId}
        aria-describedby={ids.describedBy}
        aria-invalid={ids.invalid}
        className={`h-8.5 px-2.5 placeholder:text-slate-500 ${CONTROL_CLASS} ${controlBorder(error)}`}
        {...input}
      />
    </FieldFrame>
  );
}
