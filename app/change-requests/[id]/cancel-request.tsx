'use client';

import { useActionState, useCallback, useId, useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Modal } from '@/components/ui/modal';
import { Textarea } from '@/components/ui/textarea';
import { cancelAction, type TCancelState } from '../actions';

/** The requester withdraws the request; the reason goes into the audit trail. */
export function CancelRequest({ id, number }: { id: string; number: string }) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    setOpen(false);
    requestAnimationFrame(() => trigger.current?.focus());
  }, []);
  return (
    <>
      <Button ref={trigger} variant="secondary" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Cancel request
      </Button>
      {open && <CancelModal id={id} number={number} onClose={close} />}
    </>
  );
}

function CancelModal({ id, number, onClose }: { id: string; number: string; onClose: () => void }) {
  const alertId = useId();
  const [reason, setReason] = useState('');
  const [state, formAction, pending] = useActionState<TCancelState, FormData>(async (prev, form) => {
    const result = await cancelAction(prev, form);
    if (result.ok) onClose();
    return result;
  }, {});
  const reasonError = state.fieldErrors?.reason;
  return (
    <Modal title={`Cancel ${number}`} subtitle="The request ends without being applied; approvals given so far lapse." onClose={onClose} busy={pending}>
      <form action={formAction} className="grid gap-3" noValidate>
        {state.error && (
          <Alert tone="danger" id={alertId}>
            {state.error}
          </Alert>
        )}
        <input type="hidden" name="id" value={id} />
        <Textarea
          label="Reason for cancelling"
          name="reason"
          required
          rows={2}
          maxLength={2000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          {...(reasonError && reasonError !== state.error ? { error: reasonError } : reasonError ? { 'aria-invalid': true, 'aria-describedby': alertId } : {})}
        />
        <div className="flex items-center justify-end gap-2 border-t border-slate-200 pt-3">
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            Keep request
          </Button>
          <Button type="submit" variant="danger" disabled={pending}>
            {pending ? 'Cancelling…' : 'Cancel request'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
