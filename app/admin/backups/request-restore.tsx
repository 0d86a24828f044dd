'use client';

import Link from 'next/link';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { DisabledButton } from '@/components/ui/disabled-button';
import { requestRestoreAction, type TRestoreRequestState } from './actions';

/** Opens a backup.restore change request for one backup, bound to its manifest hash. */
export function RequestRestore({ backupId, manifestHash, allowed }: { backupId: string; manifestHash: string; allowed: boolean }) {
  const [state, action, pending] = useActionState<TRestoreRequestState, FormData>(requestRestoreAction, {});
  if (!allowed) return <DisabledButton size="sm" reason="Needs the permission backups.manage">Request restore</DisabledButton>;
  if (state.request) return <Link className="text-sm font-medium text-accent-800 underline" href={`/change-requests/${state.request.id}`}>{state.request.number} submitted</Link>;
  return (
    <form action={action} className="flex items-center gap-1.5">
      <input type="hidden" name="backupId" value={backupId} />
      <input type="hidden" name="manifestHash" value={manifestHash} />
      <label className="sr-only" htmlFor={`reason-${backupId}`}>Reason for the restore</label>
      <input id={`reason-${backupId}`} name="reason" required minLength={3} placeholder="Reason" className="h-7 w-32 rounded-md px-2 text-xs ring-1 ring-slate-300" />
      <Button type="submit" size="sm" variant="secondary" disabled={pending}>Request restore</Button>
      {state.error && <span role="alert" className="text-xs text-red-700">{state.error}</span>}
    </form>
  );
}
