'use client';

import Link from 'next/link';
import { useActionState, useEffect, useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import type { TRecordKind } from '@/lib/records/kinds';
import { createRecordAction, editRecordAction, type TRecordFormState } from './actions';
import { fieldsOf, type TFieldSpec } from './kind-fields';

export type TRecordFormProps =
  | { mode: 'create'; kinds: Array<{ value: TRecordKind; label: string }>; initialKind: TRecordKind; initialValues?: undefined; cancelHref: string }
  | { mode: 'edit'; kind: TRecordKind; recordId: string; baseVersion: number; initialValues: Record<string, string>; cancelHref: string };

/** Create a record, or edit one (a new version, with the reason for the change: 21 CFR 11.10(e)). */
export function RecordForm(props: TRecordFormProps) {
  const [state, action, pending] = useActionState<TRecordFormState, FormData>(
    props.mode === 'create' ? createRecordAction : editRecordAction,
    {},
  );
  const [kind, setKind] = useState<TRecordKind>(props.mode === 'create' ? ((state.values?.kind as TRecordKind) ?? props.initialKind) : props.kind);
  const fe = state.fieldErrors ?? {};
  // A message that only repeats a field's own error is not shown twice.
  const showAlert = Boolean(state.error) && !Object.values(fe).includes(state.error!);
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    // After a refused save, take the person to the first field that needs attention.
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [state]);
  const value = (name: string) => state.values?.[name] ?? props.initialValues?.[name] ?? '';

  return (
    <form ref={form} action={action} className="grid max-w-2xl gap-3" noValidate>
      {showAlert && <Alert tone="danger">{state.error}</Alert>}
      {props.mode === 'create' ? (
        <Select
          label="Kind"
          name="kind"
          required
          value={kind}
          onChange={(e) => setKind(e.target.value as TRecordKind)}
          options={props.kinds}
          error={fe.kind}
          className="max-w-xs"
        />
      ) : (
        <>
          <input type="hidden" name="kind" value={props.kind} />
          <input type="hidden" name="recordId" value={props.recordId} />
          <input type="hidden" name="baseVersion" value={props.baseVersion} />
        </>
      )}
      {/* Keyed by kind: switching kind starts that kind's fields afresh. */}
      <div key={kind} className="grid items-start gap-3 sm:grid-cols-2">
        {fieldsOf(kind).map(([name, spec]) => (
          <ContentField key={name} name={name} spec={spec} defaultValue={value(name)} error={fe[name]} />
        ))}
      </div>
      {props.mode === 'edit' && (
        <Textarea
          label="Reason for change"
          name="reason"
          required
          rows={2}
          maxLength={2000}
          defaultValue={value('reason')}
          hint="Kept with the new version and in the audit trail. The previous version stays as it was."
          error={fe.reason}
        />
      )}
      <div className="flex items-center gap-2 border-t border-slate-200 pt-3">
        <Button type="submit" disabled={pending}>
          {pending ? 'Saving…' : props.mode === 'create' ? 'Create record' : 'Save new version'}
        </Button>
        <Link href={props.cancelHref} className="inline-flex h-8.5 items-center rounded-md px-3 text-sm font-medium text-slate-700 hover:bg-slate-100">
          Cancel
        </Link>
      </div>
    </form>
  );
}

function ContentField({ name, spec, defaultValue, error }: { name: string; spec: TFieldSpec; defaultValue: string; error?: string }) {
  const common = { name, label: spec.label, required: spec.required, defaultValue, error, hint: spec.hint };
  switch (spec.input) {
    case 'textarea':
      return <Textarea {...common} rows={name === 'body' ? 8 : 3} maxLength={spec.maxLength} className="sm:col-span-2" />;
    case 'select':
      return <Select {...common} options={spec.options ?? []} placeholder="Choose…" />;
    case 'number':
      return <Field {...common} type="number" inputMode="decimal" step="any" min="0" />;
    case 'date':
      return <Field {...common} type="date" />;
    default:
      return <Field {...common} type="text" maxLength={spec.maxLength} className={name === 'title' ? 'sm:col-span-2' : undefined} />;
  }
}
