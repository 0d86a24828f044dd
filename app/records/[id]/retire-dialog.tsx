'use client';

import { useActionState, useCallback, useRef, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Modal } from '@/components/ui/modal';
import { Textarea } from '@/components/ui/textarea';
import { retireRecordAction, type TRetireState } from '../actions';

/** Retiring is never a deletion: the record keeps every version and signature, with the reason. */
export function RetireDialog({ recordId, number }: { recordId: string; number: string }) {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const close = useCallback(() => {
    setOpen(false);
    requestAnimationFrame(() => trigger.current?.focus());
  }, []);
  return (
    <>
      <Button ref={trigger} variant="secondary" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Retire
      </Button>
      {open && <RetireModal recordId={recordId} number={number} onClose={close} />}
    </>
  );
}

function RetireModal({ recordId, number, onClose }: { recordId: string; number: string; onClose: () => void }) {
  const [reason, setReason] = useState('');
  const [state, action, pending] = useActionState<TRetireState, FormData>(async (prev, form) => {
    const result = await retireRecordAction(prev, form);
    if (result.ok) onClose();
    return result;
  }, {});
  const fieldError = state.fieldErrors?.reason;
  return (
    <Modal title={`Retire ${number}`} subtitle="The record stays readable with all versions, signatures and its audit trail." onClose={onClose} busy={pending}>
      <form action={action} className="grid gap-3" noValidate>
        {state.error && state.error !== fieldError && <Alert tone="danger">{state.error}</Alert>}
        <input type="hidden" name="recordId" value={recordId} />
        <Textarea
          label="Reason for retiring"
          name="reason"
          required
          rows={3}
          maxLength={2000}
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          error={fieldError}
        />
        <div className="flex items-center justify-end gap-2 border-t border-slate-200 pt-3">
          <Button variant="secondary" onClick={onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" disabled={pending}>
            {pending ? 'Retiring…' : 'Retire record'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
