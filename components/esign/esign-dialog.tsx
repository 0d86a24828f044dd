'use client';

import { useActionState, useId, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button, type TButtonVariant } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Modal } from '@/components/ui/modal';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { meaningLabel, type TAnyMeaning } from '@/lib/esign/meanings';
import { useDialogTrigger } from '@/components/ui/use-dialog-trigger';

/** What a signing server action returns (for useActionState). */
export interface TEsignState {
  ok?: boolean;
  error?: string;
  fieldErrors?: Record<string, string>;
}

/** Receives FormData with meaning, comment, employeeId (unless abbreviated), password and the hidden fields. */
export type TEsignAction = (prev: TEsignState, form: FormData) => Promise<TEsignState>;

export interface TEsignSubject {
  /** e.g. "BR-000012 v2" */
  title: string;
  /** SHA-256 (hex) of the exact content being signed. */
  /** The signed content's hash, when the subject has content (a record version, a request). */
  contentHash?: string;
  /** What the subject is called on the dialog ("Record" by default). */
  noun?: string;
  /** e.g. "Sign and submit for review" */
  transitionLabel: string;
  contextRef: string;
}

export interface TEsignDialogProps {
  triggerLabel: string;
  triggerVariant?: TButtonVariant;
  subject: TEsignSubject;
  /** Meanings the signer may choose from; `requiredMeaning` is preselected. */
  meanings: readonly TAnyMeaning[];
  requiredMeaning: TAnyMeaning;
  /** A rejection must say why. */
  commentRequired?: boolean;
  /** The comment field's label when the default ("Reason for rejection" / "Comment (optional)") does not fit. */
  commentLabel?: string;
  /** Continuous-session signing (11.200(a)(1)(i)): only the password is re-entered. */
  abbreviated?: boolean;
  signer: { displayName: string; employeeId: string };
  action: TEsignAction;
  /** Identifies what is signed to the action (record id, version, transition, …). */
  hiddenFields: Record<string, string>;
}

/**
 * The one electronic-signature dialog (21 CFR 11.50, 11.100, 11.200): shows what is signed and
 * with which meaning, asks for both signature components again, and calls the given action.
 */
export function EsignDialog(props: TEsignDialogProps) {
  const { open, show, close, trigger } = useDialogTrigger();
  return (
    <>
      <Button ref={trigger} variant={props.triggerVariant ?? 'primary'} onClick={show} aria-haspopup="dialog">
        {props.triggerLabel}
      </Button>
      {open && <EsignModal {...props} onClose={close} />}
    </>
  );
}

function EsignModal({
  subject,
  meanings,
  requiredMeaning,
  commentRequired = false,
  commentLabel,
  abbreviated = false,
  signer,
  action,
  hiddenFields,
  onClose,
}: TEsignDialogProps & { onClose: () => void }) {
  const descId = useId();
  const alertId = useId();
  // Controlled, so a refused attempt keeps them (React resets uncontrolled fields after an action);
  // the password is uncontrolled on purpose: it is cleared after every attempt.
  const [meaning, setMeaning] = useState<string>(requiredMeaning);
  const [comment, setComment] = useState('');
  const [employeeId, setEmployeeId] = useState('');
  const [state, formAction, pending] = useActionState<TEsignState, FormData>(async (prev, form) => {
    const result = await action(prev, form);
    if (result.ok) onClose();
    return result;
  }, {});
  // The service's message is announced once, at the top; a field it names is marked invalid and
  // points to it rather than repeating it (e.g. "Signature refused: wrong password").
  const fieldProps = (name: string) => {
    const msg = state.fieldErrors?.[name];
    if (!msg) return {};
    return msg === state.error ? { 'aria-invalid': true as const, 'aria-describedby': alertId } : { error: msg };
  };

  return (
    <Modal
      title={`Electronic signature: ${subject.transitionLabel}`}
      subtitle={
        <>
          Signing as <strong className="font-medium text-slate-900">{signer.displayName}</strong> ({signer.employeeId})
        </>
      }
      describedBy={descId}
      onClose={onClose}
      busy={pending}
    >
      <form action={formAction} className="grid gap-3" noValidate>
        <dl className="grid grid-cols-[7.5rem_1fr] gap-x-3 gap-y-1 rounded-md bg-slate-50 px-3 py-2 text-xs">
          <dt className="text-slate-600">{subject.noun ?? 'Record'}</dt>
          <dd className="font-medium text-slate-900" data-testid="esign-subject">
            {subject.title}
          </dd>
          <dt className="text-slate-600">Action</dt>
          <dd className="text-slate-900">{subject.transitionLabel}</dd>
          {subject.contentHash && (
            <>
              <dt className="text-slate-600">Content SHA-256</dt>
              <dd className="font-mono break-all text-slate-900">{subject.contentHash}</dd>
            </>
          )}
          <dt className="text-slate-600">Context</dt>
          <dd className="font-mono break-all text-slate-700">{subject.contextRef}</dd>
        </dl>
        <p id={descId} className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-xs text-amber-950">
          Your signature is the legally binding equivalent of your handwritten signature (21 CFR 11.100).
        </p>
        {state.error && (
          <Alert tone="danger" id={alertId}>
            {state.error}
          </Alert>
        )}
        {Object.entries(hiddenFields).map(([k, v]) => (
          <input key={k} type="hidden" name={k} value={v} />
        ))}
        <Select
          label="Meaning of this signature"
          name="meaning"
          required
          value={meaning}
          onChange={(e) => setMeaning(e.target.value)}
          options={meanings.map((m) => ({ value: m, label: meaningLabel(m) }))}
          {...fieldProps('meaning')}
        />
        <Textarea
          label={commentLabel ?? (commentRequired ? 'Reason for rejection' : 'Comment (optional)')}
          name="comment"
          required={commentRequired}
          rows={2}
          maxLength={2000}
          value={comment}
          onChange={(e) => setComment(e.target.value)}
          {...fieldProps('comment')}
        />
        {abbreviated ? (
          <p className="text-xs text-slate-600">Continuous session: your password alone completes this signature (21 CFR 11.200(a)(1)(i)).</p>
        ) : (
          <Field
            label="Employee ID"
            name="employeeId"
            required
            autoComplete="username"
            autoCapitalize="off"
            spellCheck={false}
            value={employeeId}
            onChange={(e) => setEmployeeId(e.target.value)}
            {...fieldProps('employeeId')}
          />
        )}
        <Field label="Password" name="password" type="password" required autoComplete="current-password" {...fieldProps('password')} />
        <div className="flex items-center justify-end gap-2 border-t border-slate-200 pt-3">
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant={requiredMeaning === 'REJECTION' ? 'danger' : 'primary'} disabled={pending}>
            {pending ? 'Signing…' : 'Sign'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
