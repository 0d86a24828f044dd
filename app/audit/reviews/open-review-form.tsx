'use client';

import { useActionState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Select } from '@/components/ui/select';
import { openReviewAction, type TReviewFormState } from './actions';

/** Chain and period (UTC) of a new review; the service refuses a period the reviewer acted in. */
export function OpenReviewForm({ chains, defaultFrom, defaultTo }: { chains: string[]; defaultFrom: string; defaultTo: string }) {
  const [state, action, pending] = useActionState<TReviewFormState, FormData>(openReviewAction, {});
  return (
    <form action={action} className="grid gap-3 sm:grid-cols-[1fr_1fr_1fr_auto] sm:items-end">
      {state.error && (
        <div className="sm:col-span-4">
          <Alert tone="danger">{state.error}</Alert>
        </div>
      )}
      <Select label="Chain" name="chainId" options={chains.map((c) => ({ value: c, label: c }))} defaultValue={chains[0]} />
      <Field label="From (UTC)" name="from" type="datetime-local" step={1} required defaultValue={defaultFrom} aria-invalid={state.fieldErrors?.from ? true : undefined} />
      <Field label="To (UTC)" name="to" type="datetime-local" step={1} required defaultValue={defaultTo} aria-invalid={state.fieldErrors?.to ? true : undefined} />
      <Button type="submit" disabled={pending}>
        {pending ? 'Opening…' : 'Open review'}
      </Button>
    </form>
  );
}
