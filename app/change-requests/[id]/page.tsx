import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { EsignDialog } from '@/components/esign/esign-dialog';
import { LocalTime } from '@/components/esign/local-time';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { authConfig } from '@/lib/auth/auth-config';
import { requirePageUser } from '@/lib/auth/require-user';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { getDb } from '@/lib/db/client';
import { formatUtc } from '@/lib/esign/manifestation';
import { isAppError } from '@/lib/errors/app-error';
import { NotPermitted } from '@/app/admin/not-permitted';
import { decideAction } from '../actions';
import { EntityAuditTable } from '@/components/audit/entity-audit-table';
import { CrStatusBadge } from '../status-badge';
import { CancelRequest } from './cancel-request';
import { ChangeDiff } from './change-diff';
import { EvidenceLinks } from './evidence-links';
import { RevealSecret } from './reveal-secret';

export const metadata: Metadata = { title: 'Change request' };
export const dynamic = 'force-dynamic';

type TCr = Awaited<ReturnType<typeof getChangeRequest>>;

function Utc({ d }: { d: Date }) {
  return (
    <time dateTime={d.toISOString()} className="tabular-nums">
      {formatUtc(d)}
    </time>
  );
}

export default async function ChangeRequestPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/change-requests/${id}`);
  let cr: TCr;
  try {
    cr = await getChangeRequest(getDb(), user, id);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    if (isAppError(e) && e.code === 'FORBIDDEN') return <NotPermitted title="Change request" permission="change_requests.read" />;
    throw e;
  }
  const open = cr.status === 'submitted';
  const signer = { displayName: user.displayName, employeeId: user.employeeId };
  const abbreviated = authConfig().continuousSessionSigning && user.signedAt !== null;
  const subject = (decision: 'approve' | 'reject') => ({
    title: `${cr.number} · ${cr.kindLabel} · ${cr.targetLabel}`,
    contentHash: cr.payloadHash,
    transitionLabel: decision === 'approve' ? 'Approve change request' : 'Reject change request',
    contextRef: `ChangeRequest:${cr.id}/decision:${decision}`,
  });
  const hidden = (decision: 'approve' | 'reject') => ({ id: cr.id, decision, payloadHash: cr.payloadHash });

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-600">
        <Link href="/change-requests" className="font-medium text-accent-800 underline-offset-2 hover:underline">
          Change requests
        </Link>{' '}
        / <span className="font-mono">{cr.number}</span>
      </nav>
      <PageHeader
        title={
          <span className="inline-flex flex-wrap items-center gap-x-3 gap-y-1">
            <span>
              <span className="font-mono">{cr.number}</span> · {cr.kindLabel}
            </span>
            <CrStatusBadge status={cr.status} />
          </span>
        }
        description={cr.targetLabel}
        actions={
          open ? (
            <>
              {cr.isRequester && <CancelRequest id={cr.id} number={cr.number} />}
              {cr.cannotDecide ? (
                <>
                  <DisabledButton variant="secondary" reason={cr.isRequester ? 'Requester cannot reject: cancel the request instead' : cr.cannotDecide}>
                    Reject
                  </DisabledButton>
                  <DisabledButton variant="primary" reason={cr.cannotDecide}>
                    Approve
                  </DisabledButton>
                </>
              ) : (
                <>
                  <EsignDialog
                    triggerLabel="Reject"
                    triggerVariant="secondary"
                    subject={subject('reject')}
                    meanings={['REJECTION']}
                    requiredMeaning="REJECTION"
                    commentRequired
                    abbreviated={abbreviated}
                    signer={signer}
                    action={decideAction}
                    hiddenFields={hidden('reject')}
                  />
                  <EsignDialog
                    triggerLabel="Approve"
                    subject={subject('approve')}
                    meanings={['APPROVAL']}
                    requiredMeaning="APPROVAL"
                    abbreviated={abbreviated}
                    signer={signer}
                    action={decideAction}
                    hiddenFields={hidden('approve')}
                  />
                </>
              )}
            </>
          ) : undefined
        }
      />
      {open && cr.cannotDecide && (
        <p className="-mt-2 mb-4 text-right text-xs text-slate-600" data-print="hide">
          {cr.cannotDecide}.
        </p>
      )}
      <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="grid gap-4">
          {cr.status === 'failed' && cr.failureReason && (
            <Alert tone="danger">
              <strong className="font-semibold">Approved but not applied:</strong> {cr.failureReason}
            </Alert>
          )}
          <Card title="Change" description="What was submitted for approval, against the state it was submitted from.">
            <ChangeDiff kind={cr.kind} before={cr.before} payload={cr.payload} />
            <EvidenceLinks payload={cr.payload} />
          </Card>
          <Card title="Decisions" description="Each decision is an electronic signature (21 CFR 11.50): printed name, meaning and time.">
            {cr.decisions.length === 0 ? (
              <p className="text-sm text-slate-600">No decision yet.</p>
            ) : (
              <ol className="grid gap-2">
                {cr.decisions.map((d) => (
                  <li key={d.id} className="rounded-md border border-slate-200 px-3 py-2" data-testid="cr-decision">
                    <p className="text-slate-900">
                      <span className="font-semibold">{d.printedName}</span> <span className="text-slate-600">({d.employeeId})</span> —{' '}
                      <span className={['font-semibold tracking-wide', d.meaning === 'REJECTION' ? 'text-red-800' : 'text-emerald-800'].join(' ')}>{d.meaning}</span>
                    </p>
                    <p className="mt-0.5 text-xs text-slate-700">
                      <time dateTime={d.signedAt.toISOString()} className="font-medium text-slate-900">
                        {formatUtc(d.signedAt)}
                      </time>
                      <span className="text-slate-500"> · your time </span>
                      <LocalTime iso={d.signedAt.toISOString()} />
                    </p>
                    <p className="mt-0.5 text-xs text-slate-600">
                      Role: {d.role}
                      {d.reason && (
                        <>
                          {' '}
                          · {d.meaning === 'REJECTION' ? 'Reason' : 'Comment'}: <span className="text-slate-900">{d.reason}</span>
                        </>
                      )}
                    </p>
                    <p className="mt-0.5 font-mono text-[11px] [overflow-wrap:anywhere] text-slate-600">
                      {d.contextRef} · audit seq {d.auditSeq}
                    </p>
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
        <div className="grid gap-4">
          <Card title="Request">
            <DataList
              items={[
                { term: 'Requested by', description: cr.requesterName },
                { term: 'Change', description: cr.kindLabel },
                { term: 'Target', description: cr.targetLabel },
                { term: 'Reason', description: cr.reason },
                { term: 'Status', description: <CrStatusBadge status={cr.status} /> },
                {
                  term: 'Approvals',
                  description: cr.commissioning ? (
                    <span data-testid="cr-approvals">None: applied directly by the requester&apos;s signature while the site was commissioning</span>
                  ) : (
                    <span className="tabular-nums" data-testid="cr-approvals">
                      {cr.approvals} of {cr.requiredApprovals}
                    </span>
                  ),
                },
                ...(cr.requiredPermissions.length
                  ? [{ term: 'Approvers need', description: <code className="font-mono text-xs">{['change_requests.approve', ...cr.requiredPermissions].join(' + ')}</code> }]
                  : []),
                { term: 'Submitted', description: <Utc d={cr.createdAt} /> },
                { term: open ? 'Expires' : 'Expiry', description: <Utc d={cr.expiresAt} /> },
                ...(cr.decidedAt ? [{ term: 'Decided', description: <Utc d={cr.decidedAt} /> }] : []),
                ...(cr.appliedAt ? [{ term: 'Applied', description: <Utc d={cr.appliedAt} /> }] : []),
                {
                  term: 'Payload SHA-256',
                  description: (
                    <code className="font-mono text-xs break-all text-slate-800" data-testid="cr-payload-hash">
                      {cr.payloadHash}
                    </code>
                  ),
                },
              ]}
            />
          </Card>
          {cr.hasSecret && (
            <Card title="One-time password" description="The new user's first password, for you as the requester.">
              <RevealSecret id={cr.id} />
            </Card>
          )}
        </div>
      </div>
      <div className="mt-4">
        <Card title="Audit trail" description="Every event of this request, oldest first.">
          <EntityAuditTable events={cr.audit} caption={`Audit trail of ${cr.number}`} />
        </Card>
      </div>
    </>
  );
}
