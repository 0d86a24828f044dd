'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { requestUnlockAction, type TUnlockState } from './actions';

export function UnlockUserForm({ userId, employeeId, allowed }: { userId: string; employeeId: string; allowed: boolean }) {
  const [state, action, pending] = useActionState<TUnlockState, FormData>(requestUnlockAction, {});
  if (state.request) {
    return (
      <span className="text-xs text-emerald-800">
        Unlock requested:{' '}
        <Link href={`/change-requests/${state.request.id}`} className="font-mono font-medium underline underline-offset-2">
          {state.request.number}
        </Link>
      </span>
    );
  }
  const message = state.fieldErrors?.reason === 'required' ? state.error : (state.fieldErrors?.reason ?? state.error);
  return (
    <form action={action} className="flex items-start gap-2">
      <input type="hidden" name="userId" value={userId} />
      <div className="grid gap-0.5">
        <label className="sr-only" htmlFor={`reason-${userId}`}>
          Reason for unlocking {employeeId}
        </label>
        <input
          id={`reason-${userId}`}
          name="reason"
          required
          placeholder="Reason (required)"
          disabled={!allowed}
          className="h-7 w-48 rounded-md border border-slate-300 px-2 text-xs"
          aria-invalid={state.fieldErrors?.reason ? true : undefined}
        />
        {message && (
          <span role="alert" className="text-xs text-red-700">
            {message}
          </span>
        )}
      </div>
      <Button type="submit" size="sm" variant="secondary" disabled={!allowed || pending} title={allowed ? undefined : 'Requires the permission users.unlock'}>
        Request unlock<span className="sr-only"> of {employeeId}</span>
      </Button>
    </form>
  );
}
