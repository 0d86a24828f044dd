'use client';

import { useState } from 'react';
import { EsignDialog } from '@/components/esign/esign-dialog';
import { Select } from '@/components/ui/select';
import { closeReviewAction } from '../actions';

/** The finding, then the reviewer's signature (REVIEW); the comment describes an observation or deviation. */
export function CloseReview({ id, number, signer, abbreviated }: { id: string; number: string; signer: { displayName: string; employeeId: string }; abbreviated: boolean }) {
  const [finding, setFinding] = useState('none');
  return (
    <div className="flex flex-wrap items-end gap-2">
      <Select
        label="Finding"
        name="finding-choice"
        value={finding}
        onChange={(e) => setFinding(e.target.value)}
        options={[
          { value: 'none', label: 'None' },
          { value: 'observation', label: 'Observation' },
          { value: 'deviation', label: 'Deviation' },
        ]}
      />
      <EsignDialog
        triggerLabel="Sign review"
        subject={{ noun: 'Review', title: number, transitionLabel: `Close the review (finding: ${finding})`, contextRef: `AuditReview:${id}/close` }}
        meanings={['REVIEW']}
        requiredMeaning="REVIEW"
        commentRequired={finding !== 'none'}
        commentLabel={finding === 'none' ? 'Comment (optional)' : `Describe the ${finding}`}
        abbreviated={abbreviated}
        signer={signer}
        action={closeReviewAction}
        hiddenFields={{ id, finding }}
      />
    </div>
  );
}
