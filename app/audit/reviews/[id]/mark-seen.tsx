'use client';

import { useActionState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { markSeenAction, type TReviewFormState } from '../actions';

/** Marks the ticked events of this page seen. */
export function MarkSeenForm({ id, formId, disabled }: { id: string; formId: string; disabled: boolean }) {
  const [state, action, pending] = useActionState<TReviewFormState, FormData>(markSeenAction, {});
  return (
    <form id={formId} action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="id" value={id} />
      {state.error && <Alert tone="danger">{state.error}</Alert>}
      <Button type="submit" variant="secondary" disabled={pending || disabled}>
        {pending ? 'Marking…' : 'Mark ticked events seen'}
      </Button>
    </form>
  );
}
