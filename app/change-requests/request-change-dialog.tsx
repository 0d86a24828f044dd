'use client';

import { useActionState, useId, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button, type TButtonSize, type TButtonVariant } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Modal } from '@/components/ui/modal';
import { Select, type TSelectOption } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { requestChangeAction, type TRequestChangeState } from './actions';
import { useDialogTrigger } from '@/components/ui/use-dialog-trigger';

export type TRequestField =
  | { type: 'text' | 'email'; name: string; label: string; defaultValue?: string; required?: boolean; hint?: string; autoComplete?: string }
  | { type: 'textarea'; name: string; label: string; defaultValue?: string; required?: boolean; hint?: string }
  | { type: 'select'; name: string; label: string; options: readonly TSelectOption[]; placeholder?: string; defaultValue?: string; required?: boolean }
  | { type: 'checkboxes'; name: string; label: string; options: readonly TSelectOption[]; defaultValue?: readonly string[]; hint?: string; grouped?: boolean }
  | { type: 'file'; name: string; label: string; accept: string; multiple?: boolean; hint?: string };

export interface TRequestChangeDialogProps {
  triggerLabel: string;
  triggerVariant?: TButtonVariant;
  triggerSize?: TButtonSize;
  /** A fuller accessible name when the visible label is short (e.g. one of several "Change" buttons). */
  triggerAriaLabel?: string;
  /** The dialog's heading, e.g. "Request: assign role". */
  title: string;
  /** Who or what is changed, shown under the title. */
  subject?: string;
  kind: string;
  targetUserId?: string;
  targetRoleId?: string;
  fields?: readonly TRequestField[];
  /** Hidden values sent with the form (e.g. the values the form was opened with). */
  hidden?: Record<string, string>;
  /** How many distinct approvers the change needs (shown, not enforced here: the service decides). */
  approvals: number;
  /** Two approvers when one of these values is chosen in `field` (e.g. a role with administrative permissions). */
  raisedBy?: { field: string; values: readonly string[]; why: string };
  /** The site is commissioning: the change is applied now, confirmed by this person's signature. */
  commission?: { displayName: string; employeeId: string };
}

/**
 * Every privileged change is requested, not made: this dialog collects the change and its
 * reason and submits a change request (four eyes), then opens the request's page.
 */
export function RequestChangeDialog(props: TRequestChangeDialogProps) {
  const { open, show, close, trigger } = useDialogTrigger();
  return (
    <>
      <Button
        ref={trigger}
        variant={props.triggerVariant ?? 'secondary'}
        size={props.triggerSize}
        aria-label={props.triggerAriaLabel}
        onClick={show}
        aria-haspopup="dialog"
      >
        {props.triggerLabel}
      </Button>
      {/* The modal renders in place: it must not inherit e.g. a table cell's centring. */}
      {open && (
        <div className="text-left">
          <RequestChangeModal {...props} onClose={close} />
        </div>
      )}
    </>
  );
}

function RequestChangeModal({
  title, subject, kind, targetUserId, targetRoleId, fields = [], hidden = {}, approvals, raisedBy, commission, onClose }: TRequestChangeDialogProps & { onClose: () => void }) {
  const alertId = useId();
  const noteId = useId();
  const initiallyRaised = raisedBy ? fields.some((f) => f.name === raisedBy.field && 'defaultValue' in f && [f.defaultValue ?? []].flat().some((v) => raisedBy.values.includes(v))) : false;
  const [raised, setRaised] = useState(initiallyRaised);
  const count = raised ? 2 : approvals;
  const watch = (form: HTMLFormElement) => {
    if (raisedBy) setRaised(new FormData(form).getAll(raisedBy.field).some((v) => typeof v === 'string' && raisedBy.values.includes(v)));
  };
  const [state, formAction, pending] = useActionState<TRequestChangeState, FormData>(requestChangeAction, {});
  const value = (name: string): string | undefined => {
    const v = state.values?.[name];
    return typeof v === 'string' ? v : undefined;
  };
  const values = (name: string): readonly string[] | undefined => {
    const v = state.values?.[name];
    return Array.isArray(v) ? v : undefined;
  };
  // The service's message is shown once at the top; a field it names points to it. Field
  // messages that differ from it (e.g. "Not an email address") are shown under the field.
  const errorProps = (name: string) => {
    const msg = state.fieldErrors?.[name];
    if (!msg) return {};
    if (msg === state.error || !/\s/.test(msg)) return { 'aria-invalid': true as const, 'aria-describedby': alertId };
    return { error: msg };
  };

  return (
    <Modal title={title} subtitle={subject} describedBy={noteId} onClose={onClose} busy={pending}>
      <form action={formAction} className="grid gap-3 text-left" noValidate onChange={(e) => watch(e.currentTarget)}>
        {commission ? (
          <p id={noteId} className="rounded-md bg-amber-50 px-3 py-2 text-xs text-amber-900" data-testid="cr-approvals-note">
            The site is commissioning: this change is applied now, confirmed by your electronic signature (meaning: Responsibility) and
            marked as commissioning in the audit trail. After go-live it needs {count === 1 ? '1 other person' : `${count} other people`} to approve.
          </p>
        ) : (
          <p id={noteId} className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-700" data-testid="cr-approvals-note">
            Nothing changes now. This submits a change request that <strong>{count === 1 ? '1 other person' : `${count} other people`} must approve</strong>{' '}
            with an electronic signature before it is applied{raised && raisedBy ? ` (two, because ${raisedBy.why})` : ''}.
          </p>
        )}
        {state.error && (
          <Alert tone="danger" id={alertId}>
            {state.error}
          </Alert>
        )}
        <input type="hidden" name="kind" value={kind} />
        {commission && <input type="hidden" name="mode" value="commission" />}
        {targetUserId && <input type="hidden" name="targetUserId" value={targetUserId} />}
        {targetRoleId && <input type="hidden" name="targetRoleId" value={targetRoleId} />}
        {Object.entries(hidden).map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
        {fields.map((f) => {
          switch (f.type) {
            case 'text':
            case 'email':
              return (
                <Field
                  key={f.name}
                  type={f.type}
                  name={f.name}
                  label={f.label}
                  hint={f.hint}
                  required={f.required}
                  autoComplete={f.autoComplete ?? 'off'}
                  defaultValue={value(f.name) ?? f.defaultValue ?? ''}
                  {...errorProps(f.name)}
                />
              );
            case 'textarea':
              return (
                <Textarea
                  key={f.name}
                  name={f.name}
                  label={f.label}
                  hint={f.hint}
                  required={f.required}
                  rows={2}
                  defaultValue={value(f.name) ?? f.defaultValue ?? ''}
                  {...errorProps(f.name)}
                />
              );
            case 'select':
              return (
                <Select
                  key={f.name}
                  name={f.name}
                  label={f.label}
                  options={f.options}
                  placeholder={f.placeholder}
                  required={f.required}
                  defaultValue={value(f.name) ?? f.defaultValue ?? ''}
                  {...errorProps(f.name)}
                />
              );
            case 'file':
              return <FileField key={f.name} field={f} error={state.fieldErrors?.[f.name]} />;
            case 'checkboxes':
              return (
                <CheckboxGroup
                  key={f.name}
                  field={f}
                  checked={values(f.name) ?? (state.values ? [] : (f.defaultValue ?? []))}
                  error={state.fieldErrors?.[f.name] ?? (f.name === 'permissions' ? state.fieldErrors?.payload : undefined)}
                />
              );
          }
        })}
        <Textarea
          label="Reason for this change"
          name="reason"
          required
          rows={2}
          maxLength={2000}
          hint="Recorded in the audit trail with the request."
          defaultValue={value('reason') ?? ''}
          {...errorProps('reason')}
        />
        {commission && (
          <fieldset className="grid gap-2 rounded-md border border-slate-200 p-2.5">
            <legend className="px-1 text-xs font-medium text-slate-800">Electronic signature of {commission.displayName}</legend>
            <Field
              label="Your employee ID"
              name="employeeId.signer"
              autoComplete="username"
              required
              defaultValue={value('employeeId.signer') ?? commission.employeeId}
              {...errorProps('employeeId.signer')}
            />
            <Field label="Your password" name="password" type="password" autoComplete="current-password" required {...errorProps('password')} />
          </fieldset>
        )}
        <div className="flex items-center justify-end gap-2 border-t border-slate-200 pt-3">
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" disabled={pending}>
            {pending ? 'Submitting…' : commission ? 'Sign and apply' : 'Submit request'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

function CheckboxGroup({ field, checked, error }: { field: Extract<TRequestField, { type: 'checkboxes' }>; checked: readonly string[]; error?: string }) {
  const errorId = useId();
  const hintId = useId();
  // Permissions read best grouped by their resource ("users", "records", …).
  const groups = new Map<string, TSelectOption[]>();
  for (const o of field.options) {
    const g = field.grouped ? o.value.split('.')[0] : '';
    groups.set(g, [...(groups.get(g) ?? []), o]);
  }
  return (
    <fieldset aria-describedby={[field.hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined} className="grid gap-1.5">
      <legend className="mb-1 text-xs font-medium text-slate-800">{field.label}</legend>
      {field.hint && (
        <p id={hintId} className="-mt-1 text-xs text-slate-600">
          {field.hint}
        </p>
      )}
      <div className={field.grouped ? 'grid gap-x-4 gap-y-2 rounded-md border border-slate-200 p-2.5 sm:grid-cols-2' : 'grid gap-x-4 gap-y-1 sm:grid-cols-2'}>
        {[...groups].map(([group, options]) => (
          <div key={group || 'all'} className="grid content-start gap-0.5">
            {group && <span className="text-[11px] font-semibold tracking-wide text-slate-600 uppercase">{group.replace('_', ' ')}</span>}
            {options.map((o) => (
              <label key={o.value} className="flex items-center gap-1.5 text-xs text-slate-800">
                <input type="checkbox" name={field.name} value={o.value} defaultChecked={checked.includes(o.value)} className="size-3.5 accent-accent-700" />
                <span className={field.grouped ? 'font-mono' : undefined}>{o.label}</span>
              </label>
            ))}
          </div>
        ))}
      </div>
      {error && (
        <p id={errorId} className="text-xs font-medium text-red-700">
          {/\s/.test(error) ? error : 'Check this choice'}
        </p>
      )}
    </fieldset>
  );
}

function FileField({ field, error }: { field: Extract<TRequestField, { type: 'file' }>; error?: string }) {
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  return (
    <div className="grid gap-1">
      <label htmlFor={id} className="text-xs font-medium text-slate-800">
        {field.label}
      </label>
      <input
        id={id}
        type="file"
        name={field.name}
        accept={field.accept}
        multiple={field.multiple}
        aria-describedby={[field.hint ? hintId : null, error ? errorId : null].filter(Boolean).join(' ') || undefined}
        aria-invalid={error ? true : undefined}
        className="text-xs text-slate-800 file:mr-2 file:rounded-md file:border-0 file:bg-slate-100 file:px-2.5 file:py-1.5 file:text-xs file:font-medium file:text-slate-800"
      />
      {field.hint && (
        <p id={hintId} className="text-xs text-slate-600">
          {field.hint}
        </p>
      )}
      {error && /\s/.test(error) && (
        <p id={errorId} className="text-xs font-medium text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
