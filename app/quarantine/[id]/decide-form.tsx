import { EsignDialog } from '@/components/esign/esign-dialog';
import { QUARANTINE_MEANING } from '@/lib/telemetry/sign-quarantine-decision';
import { decideQuarantineAction } from '../actions';

/**
 * Re-inject runs the sealed bytes through verification again (e.g. after the device's key was
 * registered); discard records why they are not used. Either is an electronic signature in the
 * one signing dialog, with its reason: nothing irreversible happens on one click.
 */
export function DecideForm({ id, sha256, signer, abbreviated }: { id: string; sha256: string; signer: { displayName: string; employeeId: string }; abbreviated: boolean }) {
  const common = {
    meanings: [QUARANTINE_MEANING] as const,
    requiredMeaning: QUARANTINE_MEANING,
    commentRequired: true,
    commentLabel: 'Reason for the decision (required)',
    abbreviated,
    signer,
    action: decideQuarantineAction,
  };
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="quarantine-decide">
      <EsignDialog
        {...common}
        triggerLabel="Re-inject"
        subject={{ title: `Q-${id}`, noun: 'Quarantined message', contentHash: sha256, transitionLabel: 'Re-inject the message', contextRef: `Quarantine:${id}/reinject` }}
        hiddenFields={{ id, decision: 'reinject', contentHash: sha256 }}
      />
      <EsignDialog
        {...common}
        triggerLabel="Discard"
        triggerVariant="secondary"
        subject={{ title: `Q-${id}`, noun: 'Quarantined message', contentHash: sha256, transitionLabel: 'Discard the message', contextRef: `Quarantine:${id}/discard` }}
        hiddenFields={{ id, decision: 'discard', contentHash: sha256 }}
      />
    </div>
  );
}
