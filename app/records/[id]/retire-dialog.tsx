'use client';

import { ReasonDialog } from '@/components/ui/reason-dialog';
import { retireRecordAction } from '../actions';

/** Retiring is never a deletion: the record keeps every version and signature, with the reason. */
export function RetireDialog({ recordId, number }: { recordId: string; number: string }) {
  return (
    <ReasonDialog
      trigger="Retire"
      title={`Retire ${number}`}
      subtitle="The record stays readable with all versions, signatures and its audit trail."
      reasonLabel="Reason for retiring"
      fields={{ recordId }}
      action={retireRecordAction}
      submit="Retire record"
      pending="Retiring…"
      keep="Cancel"
    />
  );
}
