import type { Metadata } from 'next';
import Link from 'next/link';
import { NotPermitted } from '@/app/admin/not-permitted';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { listReviews } from '@/lib/audit-review/audit-review';
import { listAuditChains } from '@/lib/audit/list-audit-chains';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { utcText } from '@/lib/format/utc-text';
import { can } from '@/lib/rbac/require-permission';
import { OpenReviewForm } from './open-review-form';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Audit trail reviews' };
export const dynamic = 'force-dynamic';

const FINDING_TONE = { none: 'ok', observation: 'warn', deviation: 'danger' } as const;
const local = (d: Date) => d.toISOString().slice(0, 19);

export default async function ReviewsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requirePageUser('/audit/reviews');
  if (!can(user, 'audit.read')) return <NotPermitted title="Audit trail reviews" permission="audit.read" />;
  const sp = await searchParams;
  const page = /^\d{1,5}$/.test(sp.page ?? '') ? Number(sp.page) : 1;
  const db = getDb();
  const [list, chains] = await Promise.all([listReviews(db, user, { page }), listAuditChains(db, user)]);
  const now = new Date();
  const pages = Math.max(1, Math.ceil(list.total / list.pageSize));
  return (
    <>
      <PageHeader
        title="Audit trail reviews"
        description="Periodic review of the audit trail (Annex 11 §9): each review covers one chain over a period, lists the events that need a look, and is closed by the reviewer's electronic signature. Nobody reviews a period in which they appear among the listed events."
      />
      <div className="grid gap-4">
        {can(user, 'audit.review') ? (
          <Card title="Open a review" description="The listed events are fixed when the review is opened; the chain head is recorded then and at signing.">
            <OpenReviewForm chains={chains.map((c) => c.chainId)} defaultFrom={local(new Date(now.getTime() - 30 * 86_400_000))} defaultTo={local(now)} />
          </Card>
        ) : null}
        <Card title="Reviews" description={`${list.total} review${list.total === 1 ? '' : 's'}, newest period first.`}>
          {list.rows.length === 0 ? (
            <p className="text-sm text-slate-600">No review yet. A QA reviewer or approver opens the first one above; an alert is raised when none covers the last 30 days.</p>
          ) : (
            <ScrollRegion label="Audit trail reviews">
            <table className="w-full text-left text-sm">
              <caption className="sr-only">Audit trail reviews</caption>
              <thead className="text-xs text-slate-600">
                <tr>
                  <th scope="col" className="py-1.5 pr-3 font-medium">Review</th>
                  <th scope="col" className="py-1.5 pr-3 font-medium">Chain</th>
                  <th scope="col" className="py-1.5 pr-3 font-medium">Period (UTC)</th>
                  <th scope="col" className="py-1.5 pr-3 font-medium">Reviewer</th>
                  <th scope="col" className="py-1.5 pr-3 text-right font-medium">Listed</th>
                  <th scope="col" className="py-1.5 font-medium">Result</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {list.rows.map((r) => (
                  <tr key={r.id}>
                    <td className="py-1.5 pr-3">
                      <Link href={`/audit/reviews/${r.id}`} className="font-mono text-xs font-medium text-accent-800 underline underline-offset-2">
                        {r.number}
                      </Link>
                    </td>
                    <td className="py-1.5 pr-3 font-mono text-xs">{r.chainId}</td>
                    <td className="py-1.5 pr-3 text-xs tabular-nums">
                      {utcText(r.periodFrom)} – {utcText(r.periodTo)}
                    </td>
                    <td className="py-1.5 pr-3">{r.reviewerName}</td>
                    <td className="py-1.5 pr-3 text-right tabular-nums">{r.listed}</td>
                    <td className="py-1.5">{r.status === 'open' ? <Badge tone="neutral">open</Badge> : <Badge tone={FINDING_TONE[r.finding as keyof typeof FINDING_TONE] ?? 'neutral'}>{r.finding}</Badge>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            </ScrollRegion>
          )}
          {pages > 1 && (
            <p className="mt-2 flex gap-3 text-xs text-slate-700">
              Page {page} of {pages}
              {page > 1 && <Link href={`/audit/reviews?page=${page - 1}`}>← Previous</Link>}
              {page < pages && <Link href={`/audit/reviews?page=${page + 1}`}>Next →</Link>}
            </p>
          )}
        </Card>
      </div>
    </>
  );
}
