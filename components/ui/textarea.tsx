import type { ComponentProps } from 'react';
import { CONTROL_CLASS, FieldFrame, controlBorder, useFieldIds } from '@/components/ui/field-frame';

export interface TTextareaProps extends ComponentProps<'textarea'> {
  label: string;
  name: string;
  hint?: string;
  error?: string;
}

export function Textarea({ label, hint, error, id, className, rows = 3, ...textarea }: TTextareaProps) {
  const ids = useFieldIds(id, hint, error);
  return (
    <FieldFrame ids={ids} label={label} required={textarea.required} hint={hint} error={error} className={className}>
      <textarea
        id={ids.controlId}
        rows={rows}
        aria-describedby={ids.describedBy}
        aria-invalid={ids.invalid}
        className={`px-2.5 py-1.5 placeholder:text-slate-500 ${CONTROL_CLASS} ${controlBorder(error)}`}
        {...textarea}
      />
    </FieldFrame>
  );
}
