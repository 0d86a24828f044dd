'use client';

import { useActionState, useId } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/textarea';
import { decideQuarantineAction, type TDecideQuarantineState } from '../actions';

/**
 * Re-inject runs the sealed bytes through verification again (e.g. after the device's key was
 * registered); discard records why they are not used. Either way a reason is required and audited.
 */
export function DecideForm({ id, held }: { id: string; held: boolean }) {
  const [state, action, pending] = useActionState<TDecideQuarantineState, FormData>(decideQuarantineAction, {});
  const alertId = useId();
  const reasonError = state.fieldErrors?.reason;
  // Rendered in the same place before and after the decision, so the outcome stays on screen
  // when the page is drawn again with the entry decided.
  const outcome = state.outcome && (
    <Alert tone={state.outcome.tone}>
      <span data-testid="quarantine-outcome">{state.outcome.message}</span>
    </Alert>
  );
  if (!held) return outcome ?? null;
  return (
    <form action={action} className="grid gap-3" noValidate>
      <input type="hidden" name="id" value={id} />
      {outcome}
      {state.error && !reasonError && (
        <Alert tone="danger" id={alertId}>
          {state.error}
        </Alert>
      )}
      <Textarea
        name="reason"
        label="Reason for the decision"
        required
        rows={2}
        maxLength={2000}
        defaultValue={state.reason ?? ''}
        hint="Recorded in the audit trail with the decision."
        error={reasonError}
      />
      <div className="flex flex-wrap items-center gap-2">
        <Button type="submit" name="decision" value="reinject" disabled={pending}>
          {pending ? 'Working…' : 'Re-inject'}
        </Button>
        <Button type="submit" name="decision" value="discard" variant="secondary" disabled={pending}>
          Discard
        </Button>
      </div>
    </form>
  );
}
