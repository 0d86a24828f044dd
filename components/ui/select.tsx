import type { ComponentProps } from 'react';
import { CONTROL_CLASS, FieldFrame, controlBorder, useFieldIds } from '@/components/ui/field-frame';

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
  const ids = useFieldIds(id, hint, error);
  return (
    <FieldFrame ids={ids} label={label} required={select.required} hideLabel={hideLabel} hint={hint} error={error} className={className}>
      <select
        id={ids.controlId}
        aria-describedby={ids.describedBy}
        aria-invalid={ids.invalid}
        className={`h-8.5 px-2 ${CONTROL_CLASS} ${controlBorder(error)}`}
        {...select}
      >
        {placeholder !== undefined && <option value="">{placeholder}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </FieldFrame>
  );
}
