import type { Metadata } from 'next';
import Link from 'next/link';
import { NotPermitted } from '@/app/admin/not-permitted';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { getReview } from '@/lib/audit-review/audit-review';
import { authConfig } from '@/lib/auth/auth-config';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { utcText } from '@/lib/format/utc-text';
import { can } from '@/lib/rbac/require-permission';
import { notFound } from 'next/navigation';
import { CloseReview } from './close-review';
import { MarkSeenForm } from './mark-seen';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Audit trail review' };
export const dynamic = 'force-dynamic';

export default async function ReviewPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const { id } = await params;
  const user = await requirePageUser(`/audit/reviews/${id}`);
  if (!can(user, 'audit.read')) return <NotPermitted title="Audit trail review" permission="audit.read" />;
  const sp = await searchParams;
  const page = /^\d{1,5}$/.test(sp.page ?? '') ? Number(sp.page) : 1;
  let r;
  try {
    r = await getReview(getDb(), user, id, { page });
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
  const open = r.status === 'open';
  const working = open && r.mine && can(user, 'audit.review');
  const pages = Math.max(1, Math.ceil(r.listed / r.pageSize));
  const formId = 'mark-seen';
  return (
    <>
      <PageHeader
        title={
          <>
            <span className="font-mono text-slate-600">{r.number}</span> Audit trail review
          </>
        }
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Badge tone={open ? 'neutral' : r.finding === 'none' ? 'ok' : r.finding === 'deviation' ? 'danger' : 'warn'}>{open ? 'open' : `closed · ${r.finding}`}</Badge>
            <span data-testid="review-progress">
              {r.listed - r.unseen} of {r.listed} listed events seen
            </span>
          </span>
        }
        actions={
          open ? (
            working ? (
              r.unseen === 0 ? (
                <CloseReview id={r.id} number={r.number} signer={{ displayName: user.displayName, employeeId: user.employeeId }} abbreviated={authConfig().continuousSessionSigning && user.signedAt !== null} />
              ) : (
                <DisabledButton variant="primary" reason={`${r.unseen} listed event(s) are not marked seen yet`}>
                  Sign review
                </DisabledButton>
              )
            ) : (
              <DisabledButton variant="primary" reason={r.mine ? 'Requires the permission audit.review' : `Only ${r.reviewerName}, who opened it, may close this review`}>
                Sign review
              </DisabledButton>
            )
          ) : null
        }
      />
      <div className="grid gap-4 lg:grid-cols-[1fr_20rem]">
        <Card title="Listed events" description="Failed and refused sign-ins, lockouts and unlocks, privilege changes, refused signings, edits and retirements, exports, quarantine and broker decisions, break-glass.">
          {r.listed === 0 ? (
            <p className="text-sm text-slate-600">Nothing in this period needs a look; the review can be signed with the finding “none”.</p>
          ) : (
            <>
              <ScrollRegion label="Events listed for review">
              <table className="w-full text-left text-sm">
                <caption className="sr-only">Events listed for review</caption>
                <thead className="text-xs text-slate-600">
                  <tr>
                    <th scope="col" className="w-8 py-1.5 pr-2 font-medium">
                      <span className="sr-only">Select</span>
                    </th>
                    <th scope="col" className="py-1.5 pr-3 font-medium">Seq</th>
                    <th scope="col" className="py-1.5 pr-3 font-medium">Time (UTC)</th>
                    <th scope="col" className="py-1.5 pr-3 font-medium">Action</th>
                    <th scope="col" className="py-1.5 pr-3 font-medium">Actor</th>
                    <th scope="col" className="py-1.5 font-medium">Seen</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {r.items.map((i) => (
                    <tr key={i.seq.toString()} data-testid="review-item">
                      <td className="py-1.5 pr-2">
                        {working && !i.seenAt && (
                          <input type="checkbox" name="seq" value={i.seq.toString()} form={formId} defaultChecked aria-label={`Mark seq ${i.seq} seen`} className="size-3.5 accent-accent-700" />
                        )}
                      </td>
                      <td className="py-1.5 pr-3 font-mono text-xs">
                        <Link href={`/audit?chain=${encodeURIComponent(r.chainId)}&fromSeq=${i.seq}&toSeq=${i.seq}`} className="text-accent-800 underline underline-offset-2">
                          {i.seq.toString()}
                        </Link>
                      </td>
                      <td className="py-1.5 pr-3 text-xs tabular-nums">{utcText(i.occurredAt)}</td>
                      <td className="py-1.5 pr-3 font-mono text-xs">{i.action}</td>
                      <td className="py-1.5 pr-3 font-mono text-xs">{i.actorId}</td>
                      <td className="py-1.5 text-xs">{i.seenAt ? `✓ ${utcText(i.seenAt)}` : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              </ScrollRegion>
              <div className="mt-2 flex flex-wrap items-center justify-between gap-2 text-xs text-slate-700">
                {working && r.items.some((i) => !i.seenAt) ? <MarkSeenForm id={r.id} formId={formId} disabled={false} /> : <span />}
                {pages > 1 && (
                  <span className="flex gap-3">
                    Page {page} of {pages}
                    {page > 1 && <Link href={`/audit/reviews/${r.id}?page=${page - 1}`}>← Previous</Link>}
                    {page < pages && <Link href={`/audit/reviews/${r.id}?page=${page + 1}`}>Next →</Link>}
                  </span>
                )}
              </div>
            </>
          )}
        </Card>
        <Card title="Review">
          <DataList
            items={[
              { term: 'Chain', description: <span className="font-mono">{r.chainId}</span> },
              { term: 'Period (UTC)', description: `${utcText(r.periodFrom)} – ${utcText(r.periodTo)}` },
              { term: 'Reviewer', description: r.reviewerName },
              { term: 'Chain head when opened', description: `seq ${r.startHeadSeq}` },
              ...(r.endHeadSeq ? [{ term: 'Chain head when signed', description: `seq ${r.endHeadSeq}` }] : []),
              ...(r.signedAt ? [{ term: 'Signed (REVIEW)', description: `${utcText(r.signedAt)} UTC by ${r.reviewerName} (${r.signerEmployeeId})` }] : []),
              ...(r.findingText ? [{ term: 'Finding', description: r.findingText }] : []),
            ]}
          />
        </Card>
      </div>
    </>
  );
}
