import { Badge, type TBadgeTone } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { Stat } from '@/components/ui/stat';
import { getHealth, type THealthStatus } from '@/lib/health/get-health';
import { utcText } from '@/lib/format/utc-text';
import { getDb } from '@/lib/db/client';
import { siteState } from '@/lib/site/site-state';
import { buttonClassName } from '@/components/ui/button-link';
import { currentSession, requirePageUser } from '@/lib/auth/require-user';
import { can } from '@/lib/rbac/require-permission';
import { getWorklist, type TWorkSection } from '@/lib/home/get-worklist';
import Link from 'next/link';

// The status shown is read at request time, never at build time.
export const dynamic = 'force-dynamic';

const OVERALL: Record<THealthStatus, { tone: TBadgeTone; label: string }> = {
  ok: { tone: 'ok', label: 'Operational' },
  degraded: { tone: 'warn', label: 'Degraded' },
  down: { tone: 'danger', label: 'Unavailable' },
};

/** "2026-11-21 22:13:05 UTC": server time, fixed width, unambiguous in print. */
function formatUtc(iso: string): string {
  return `${utcText(new Date(iso))} UTC`;
}

async function siteLine(): Promise<{ tone: TBadgeTone; label: string; detail: string } | null> {
  try {
    const s = await siteState(getDb());
    return s.phase === 'live'
      ? { tone: 'ok', label: 'Live', detail: `since ${utcText(s.wentLiveAt)} UTC; changes to people and privileges need another person's approval` }
      : { tone: 'warn', label: 'Commissioning', detail: 'administrators provision users and roles by their signature, then go live' };
  } catch {
    return null;
  }
}

function WorkSection({ s }: { s: TWorkSection }) {
  const headingId = `work-${s.key}`;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white shadow-xs" data-testid={`work-${s.key}`}>
      <header className="flex items-baseline justify-between gap-3 border-b border-slate-200 px-4 py-3">
        <h2 id={headingId} className="text-sm font-semibold text-slate-900">
          <Link href={s.href} className="hover:underline">
            {s.title}
          </Link>
        </h2>
        <span className="text-lg font-semibold text-slate-900 tabular-nums" data-testid="work-count">
          {s.count}
          {s.more ? '+' : ''}
          <span className="sr-only"> items</span>
        </span>
      </header>
      <div className="px-4 py-3">
        {s.rows.length === 0 ? (
          <p className="text-sm text-slate-600">{s.empty}</p>
        ) : (
          <ul className="grid gap-2 text-sm">
            {s.rows.map((r) => (
              <li key={r.href} className="min-w-0">
                <Link href={r.href} className="font-medium text-accent-800 underline-offset-2 hover:underline">
                  <span className="font-mono">{r.ref}</span> <span className="break-words">{r.text}</span>
                </Link>
                <div className="text-xs text-slate-600">
                  {r.note}
                  {r.note && r.at ? ' · ' : ''}
                  {r.at && <time dateTime={r.at}>{formatUtc(r.at)}</time>}
                </div>
              </li>
            ))}
            {s.count > s.rows.length && (
              <li>
                <Link href={s.href} className="text-xs font-medium text-accent-800 underline">
                  All {s.count}
                  {s.more ? '+' : ''}
                </Link>
              </li>
            )}
          </ul>
        )}
      </div>
    </section>
  );
}

/** Signed out: what Custos is and where to sign in — no chain head, site state or other internals. */
function AnonymousHome() {
  return (
    <>
      <PageHeader
        title="Custos"
        description="Electronic records, signatures and a verifiable audit trail for regulated manufacturing and cold chain."
      />
      <Card title="Sign in to see your work">
        <p className="text-sm text-slate-700">Records to sign, requests to approve and alerts to acknowledge are shown to the people who may act on them.</p>
        <p className="mt-3">
          <Link href="/login" className={buttonClassName('primary')}>
            Sign in
          </Link>
        </p>
      </Card>
    </>
  );
}

export default async function HomePage() {
  let session: Awaited<ReturnType<typeof currentSession>>;
  try {
    session = await currentSession();
  } catch {
    // The database is down: nobody can be identified, so nobody sees internals.
    return <AnonymousHome />;
  }
  if (session.state !== 'ok') {
    // A locked session or one that must finish MFA / a password change is sent where it can.
    if (session.user) await requirePageUser('/');
    return <AnonymousHome />;
  }
  const user = session.user!;
  const work = await getWorklist(getDb(), user);
  const health = await getHealth();
  const site = await siteLine();
  const overall = OVERALL[health.status];
  const { head_seq: headSeq, verified_at: verifiedAt } = health.chain;
  // When the chain could not be read, "no events" would be a false statement, not an empty state.
  const chainKnown = health.status === 'ok';
  const muted = (text: string) => <span className="font-normal text-slate-600">{text}</span>;
  const showChain = can(user, 'audit.read');

  return (
    <>
      <PageHeader title="Custos" description={`Signed in as ${user.displayName} (${user.employeeId}). What waits for you:`} />
      <div className="grid items-start gap-4 md:grid-cols-2 lg:grid-cols-3" data-testid="worklist">
        {work.map((s) => (
          <WorkSection key={s.key} s={s} />
        ))}
      </div>
      <div className="mt-6">
        <Card title="System status" actions={<Badge tone={overall.tone}>{overall.label}</Badge>}>
          <div className="grid gap-x-8 gap-y-4 sm:grid-cols-[max-content_max-content_1fr]">
            <Stat
              label="Database"
              value={<Badge tone={health.database === 'up' ? 'ok' : 'danger'}>{health.database}</Badge>}
            />
            {showChain && (
              <Stat
              label="Audit chain head"
              value={!chainKnown ? muted('Unknown') : headSeq === null ? muted('No events yet') : `seq ${headSeq}`}
            />
            )}
            <Stat
              label="Site"
              value={
                site ? (
                  <span className="inline-flex flex-wrap items-baseline gap-x-2" data-testid="home-site-state">
                    <Badge tone={site.tone}>{site.label}</Badge>
                    <span className="text-xs font-normal text-slate-600">{site.detail}</span>
                  </span>
                ) : (
                  muted('Unknown')
                )
              }
            />
            {showChain && (
              <Stat
              label="Last verification"
              value={
                !chainKnown ? (
                  muted('Unknown')
                ) : verifiedAt === null ? (
                  muted('None recorded')
                ) : (
                  <time dateTime={verifiedAt}>{formatUtc(verifiedAt)}</time>
                )
              }
            />
            )}
          </div>
        </Card>
      </div>
    </>
  );
}
