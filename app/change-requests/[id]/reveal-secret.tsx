'use client';

import { useActionState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { revealSecretAction, type TRevealState } from '../actions';

/**
 * The one-time password of an applied user creation or reset: shown to the requester once
 * (the server forgets it as it is shown), to be handed over in person.
 */
export function RevealSecret({ id }: { id: string }) {
  const [state, formAction, pending] = useActionState<TRevealState, FormData>(revealSecretAction, {});
  if (state.secret) {
    return (
      <div className="grid gap-2">
        <Alert tone="warn">Shown once: hand it over to the user now. It is not stored and cannot be shown again; the user must change it at first sign-in.</Alert>
        <p className="text-sm">
          One-time password:{' '}
          <code data-testid="one-time-password" className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-sm text-slate-900 select-all">
            {state.secret}
          </code>
        </p>
      </div>
    );
  }
  return (
    <form action={formAction} className="grid justify-items-start gap-2">
      <input type="hidden" name="id" value={id} />
      {state.error && <Alert tone="danger">{state.error}</Alert>}
      <Button type="submit" variant="secondary" disabled={pending}>
        {pending ? 'Opening…' : 'Show one-time password'}
      </Button>
    </form>
  );
}
