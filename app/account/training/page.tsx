import type { Metadata } from 'next';
import Link from 'next/link';
import { EsignDialog } from '@/components/esign/esign-dialog';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { authConfig } from '@/lib/auth/auth-config';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { utcText } from '@/lib/format/utc-text';
import { TRAINING_MEANING, graceDays, trainingOf } from '@/lib/training/training';
import { completeTrainingAction } from './actions';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'My training' };
export const dynamic = 'force-dynamic';

const TONE = { current: 'ok', due: 'warn', overdue: 'danger', not_approved: 'neutral' } as const;
const LABEL = { current: 'current', due: 'due', overdue: 'overdue: signing blocked', not_approved: 'not approved yet' } as const;

/** The signed-in person's training (21 CFR 11.10(i)): each required document and its state. */
export default async function MyTrainingPage() {
  const user = await requirePageUser('/account/training');
  const items = await trainingOf(getDb(), user.id);
  const abbreviated = authConfig().continuousSessionSigning && user.signedAt !== null;
  return (
    <>
      <PageHeader
        title="My training"
        description={`The documents your roles require, at their approved version. Sign "read and understood" on each; ${graceDays()} days after a new version is approved, signing records with a meaning your role grants is refused until you have.`}
      />
      <Card title="Required documents">
        {items.length === 0 ? (
          <p className="text-sm text-slate-600">Your roles require no training documents. When QA adds one to a curriculum, it appears here.</p>
        ) : (
          <ScrollRegion label="My training">
          <table className="w-full text-left text-sm" data-testid="my-training">
            <caption className="sr-only">My training</caption>
            <thead className="text-xs text-slate-600">
              <tr>
                <th scope="col" className="py-1.5 pr-3 font-medium">Document</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Revision</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">For role</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Due (UTC)</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">State</th>
                <th scope="col" className="py-1.5 font-medium">
                  <span className="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((i) => (
                <tr key={i.recordId}>
                  <td className="py-1.5 pr-3">
                    <Link href={`/records/${i.recordId}`} className="font-medium text-accent-800 underline underline-offset-2">
                      <span className="font-mono text-xs">{i.number}</span> {i.title}
                    </Link>
                  </td>
                  <td className="py-1.5 pr-3">{i.revision ? `${i.revision} (v${i.version})` : '—'}</td>
                  <td className="py-1.5 pr-3 text-xs">{i.roles.join(', ')}</td>
                  <td className="py-1.5 pr-3 text-xs tabular-nums">{i.dueAt ? utcText(i.dueAt) : '—'}</td>
                  <td className="py-1.5 pr-3">
                    <Badge tone={TONE[i.status]}>{LABEL[i.status]}</Badge>
                    {i.completedAt && <span className="ml-2 text-xs text-slate-600">signed {utcText(i.completedAt)}</span>}
                  </td>
                  <td className="py-1.5 text-right">
                    {(i.status === 'due' || i.status === 'overdue') && i.version !== null && (
                      <EsignDialog
                        triggerLabel="Read and understood"
                        subject={{ noun: 'Document', title: `${i.number} ${i.title}, revision ${i.revision ?? '?'} (v${i.version})`, transitionLabel: 'Training: read and understood', contextRef: `Training:${i.recordId}/v${i.version}` }}
                        meanings={[TRAINING_MEANING]}
                        requiredMeaning={TRAINING_MEANING}
                        abbreviated={abbreviated}
                        signer={{ displayName: user.displayName, employeeId: user.employeeId }}
                        action={completeTrainingAction}
                        hiddenFields={{ recordId: i.recordId, version: String(i.version) }}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </ScrollRegion>
        )}
      </Card>
    </>
  );
}
