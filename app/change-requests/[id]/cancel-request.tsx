'use client';

import { ReasonDialog } from '@/components/ui/reason-dialog';
import { cancelAction } from '../actions';

/** The requester withdraws the request; the reason goes into the audit trail. */
export function CancelRequest({ id, number }: { id: string; number: string }) {
  return (
    <ReasonDialog
      trigger="Cancel request"
      title={`Cancel ${number}`}
      subtitle="The request ends without being applied; approvals given so far lapse."
      reasonLabel="Reason for cancelling"
      fields={{ id }}
      action={cancelAction}
      submit="Cancel request"
      pending="Cancelling…"
      keep="Keep request"
    />
  );
}
