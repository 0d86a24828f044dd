'use client';

import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { unlockUserAction, type TUnlockState } from './actions';

export function UnlockUserForm({ userId, employeeId, allowed }: { userId: string; employeeId: string; allowed: boolean }) {
  const [state, action, pending] = useActionState<TUnlockState, FormData>(unlockUserAction, {});
  if (state.ok) return <span className="text-xs text-emerald-800">Unlocked</span>;
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
        {(state.fieldErrors?.reason || state.error) && (
          <span role="alert" className="text-xs text-red-700">
            {state.fieldErrors?.reason ?? state.error}
          </span>
        )}
      </div>
      <Button type="submit" size="sm" variant="secondary" disabled={!allowed || pending} title={allowed ? undefined : 'Requires the permission users.unlock'}>
        Unlock {employeeId}
      </Button>
    </form>
  );
}
