'use client';

import { useActionState, useId, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Modal } from '@/components/ui/modal';
import { Textarea } from '@/components/ui/textarea';
import { useDialogTrigger } from '@/components/ui/use-dialog-trigger';

export interface TReasonState {
  ok?: boolean;
  error?: string;
  fieldErrors?: Record<string, string>;
}

interface TReasonDialogProps {
  /** The button that opens the dialog. */
  trigger: string;
  title: string;
  subtitle: string;
  reasonLabel: string;
  /** Hidden form fields sent with the reason (the id of what is acted on). */
  fields: Record<string, string>;
  action: (prev: TReasonState, form: FormData) => Promise<TReasonState>;
  submit: string;
  pending: string;
  /** The button that closes the dialog without acting. */
  keep: string;
}

/**
 * An irreversible step that needs a reason for the audit trail (cancel a change request, retire a
 * record): a button, then a dialog asking why. The dialog closes when the action succeeds and
 * gives focus back to the button.
 */
export function ReasonDialog(props: TReasonDialogProps) {
  const { open, show, close, trigger } = useDialogTrigger();
  return (
    <>
      <Button ref={trigger} variant="secondary" onClick={show} aria-haspopup="dialog">
        {props.trigger}
      </Button>
      {open && <ReasonModal {...props} onClose={close} />}
    </>
  );
}

function ReasonModal({ title, subtitle, reasonLabel, fields, action, submit, pending: pendingLabel, keep, onClose }: TReasonDialogProps & { onClose: () => void }) {
  const alertId = useId();
  const [reason, setReason] = useState('');
  const [state, formAction, pending] = useActionState<TReasonState, FormData>(async (prev, form) => {
    const result = await action(prev, form);
    if (result.ok) onClose();
    return result;
  }, {});
  const reasonError = state.fieldErrors?.reason;
  return (
    <Modal title={title} subtitle={subtitle} onClose={onClose} busy={pending}>
      <form action={formAction} className="grid gap-3" noValidate>
        {state.error && (
          <Alert tone="danger" id={alertId}>
            {state.error}
          </Alert>
        )}
        {Object.entries(fields).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <Textarea
          label={reasonLabel}
          name="reason"
          required
          rows={3}
          maxLength={2000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          {...(reasonError && reasonError !== state.error ? { error: reasonError } : reasonError ? { 'aria-invalid': true, 'aria-describedby': alertId } : {})}
        />
        <div className="flex items-center justify-end gap-2 border-t border-slate-200 pt-3">
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            {keep}
          </Button>
          <Button type="submit" variant="danger" disabled={pending}>
            {pending ? pendingLabel : submit}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
