'use client';

import { useRouter } from 'next/navigation';
import { useActionState, useEffect } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { changePasswordAction, type TChangePasswordState } from './actions';

export function ChangePasswordForm({ next, minLength }: { next: string; minLength: number }) {
  const router = useRouter();
  const [state, action, pending] = useActionState<TChangePasswordState, FormData>(changePasswordAction, {});
  useEffect(() => {
    if (state.ok) {
      router.replace(next);
      router.refresh();
    }
  }, [state.ok, next, router]);
  const fe = state.fieldErrors ?? {};
  return (
    <form action={action} className="grid gap-3" noValidate>
      {state.error && !Object.keys(fe).length && <Alert tone="danger">{state.error}</Alert>}
      {state.ok && <Alert tone="ok">Password changed.</Alert>}
      <Field label="Current password" name="current" type="password" autoComplete="current-password" required error={fe.current} />
      <Field
        label="New password"
        name="next"
        type="password"
        autoComplete="new-password"
        required
        hint={`At least ${minLength} characters; a phrase of unrelated words works well. Not one of your last passwords.`}
        error={fe.next}
      />
      <Field label="Repeat new password" name="confirm" type="password" autoComplete="new-password" required error={fe.confirm} />
      <Button type="submit" disabled={pending}>
        {pending ? 'Saving…' : 'Change password'}
      </Button>
    </form>
  );
}
