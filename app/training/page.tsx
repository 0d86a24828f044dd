import type { Metadata } from 'next';
import { NotPermitted } from '@/app/admin/not-permitted';
import { RequestChangeDialog } from '@/app/change-requests/request-change-dialog';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { requestDialogContext } from '@/lib/change-requests/dialog-context';
import { getDb } from '@/lib/db/client';
import { can } from '@/lib/rbac/require-permission';
import { curriculumChoices, graceDays, trainingMatrix } from '@/lib/training/training';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Training' };
export const dynamic = 'force-dynamic';

const TONE = { current: 'ok', due: 'warn', overdue: 'danger', not_approved: 'neutral' } as const;

/** Roles × required documents × people (21 CFR 11.10(i)); curricula change through change requests. */
export default async function TrainingPage() {
  const user = await requirePageUser('/training');
  if (!can(user, 'training.read')) return <NotPermitted title="Training" permission="training.read" />;
  const db = getDb();
  const [matrix, docs, dialog] = await Promise.all([trainingMatrix(db, user), curriculumChoices(db), requestDialogContext(db, user)]);
  const options = docs.map((d) => ({ value: d.number, label: `${d.number} ${d.title}${d.status === 'approved' ? '' : ` (${d.status})`}` }));
  return (
    <>
      <PageHeader
        title="Training"
        description={`What each role must have read (controlled documents at their approved version), and who is current. Overdue training blocks signing with the meanings the role grants, ${graceDays()} days after a new version is approved.`}
      />
      <div className="grid gap-4">
        {matrix.map((r) => (
          <Card
            key={r.role}
            title={r.role}
            actions={
              can(user, 'training.manage') ? (
                <RequestChangeDialog
                  triggerLabel="Change curriculum"
                  triggerSize="sm"
                  triggerAriaLabel={`Change curriculum of ${r.role}`}
                  title={`Request: training curriculum of ${r.role}`}
                  kind="training.curriculum"
                  hidden={{ role: r.role }}
                  approvals={1}
                  commission={dialog.commission ?? undefined}
                  fields={[{ type: 'checkboxes', name: 'documents', label: 'Required documents after the change', options, defaultValue: r.docs.map((d) => d.number) }]}
                />
              ) : (
                <DisabledButton reason="Requires the permission training.manage">Change curriculum</DisabledButton>
              )
            }
          >
            {r.docs.length === 0 ? (
              <p className="text-sm text-slate-600">No required documents.</p>
            ) : (
              <ScrollRegion label="Training of the role">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Training of {r.role}</caption>
                <thead className="text-xs text-slate-600">
                  <tr>
                    <th scope="col" className="py-1.5 pr-3 font-medium">Document</th>
                    <th scope="col" className="py-1.5 font-medium">People</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {r.docs.map((d) => (
                    <tr key={d.recordId}>
                      <th scope="row" className="py-1.5 pr-3 text-left font-normal">
                        <span className="font-mono text-xs">{d.number}</span> {d.title} {d.revision ? `· revision ${d.revision}` : '· not approved yet'}
                      </th>
                      <td className="py-1.5">
                        <span className="flex flex-wrap gap-1">
                          {d.people.length === 0 ? <span className="text-xs text-slate-600">nobody holds this role</span> : null}
                          {d.people.map((p) => (
                            <Badge key={p.employeeId} tone={TONE[p.status as keyof typeof TONE]}>
                              {p.displayName} ({p.employeeId}): {p.status.replace('_', ' ')}
                            </Badge>
                          ))}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </ScrollRegion>
            )}
          </Card>
        ))}
      </div>
    </>
  );
}
