import { raiseAlert } from '@/lib/alerts/raise-alert';
import { reviewCoverage } from '@/lib/audit-review/audit-review';
import type { TDb } from '@/lib/db/client';

/**
 * Annex 11 §9 "regularly reviewed": raises one audit_review_overdue alert while the trail has
 * gone unreviewed for longer than CUSTOS_REVIEW_INTERVAL_DAYS, or reviewed periods leave a gap.
 */
export async function checkReviewOverdue(db: TDb, now = new Date(), env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const c = await reviewCoverage(db, now, env);
  if (!c || (!c.overdue && c.gaps.length === 0)) return false;
  const what = [
    c.overdue ? `no review of the audit trail covers the last ${c.intervalDays} days (reviewed up to ${c.lastTo?.toISOString() ?? 'never'})` : null,
    c.gaps.length ? `${c.gaps.length} gap(s) between reviewed periods, first ${c.gaps[0].from.toISOString()} – ${c.gaps[0].to.toISOString()}` : null,
  ]
    .filter(Boolean)
    .join('; ');
  await db.$transaction((tx) =>
    raiseAlert(tx, {
      kind: 'audit_review_overdue',
      dedupKey: 'audit_review_overdue',
      detail: { reviewedUpTo: c.lastTo?.toISOString() ?? null, intervalDays: c.intervalDays, gaps: c.gaps.map((g) => ({ from: g.from.toISOString(), to: g.to.toISOString() })) },
      entity: { type: 'AuditReview', id: 'coverage' },
      reason: what,
      now,
    }),
  );
  return true;
}
