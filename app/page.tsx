import { Badge, type TBadgeTone } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { PageHeader } from '@/components/ui/page-header';
import { Stat } from '@/components/ui/stat';
import { getHealth, type THealthStatus } from '@/lib/health/get-health';
import { utcText } from '@/lib/format/utc-text';
import { getDb } from '@/lib/db/client';
import { siteState } from '@/lib/site/site-state';

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

export default async function HomePage() {
  const health = await getHealth();
  const site = await siteLine();
  const overall = OVERALL[health.status];
  const { head_seq: headSeq, verified_at: verifiedAt } = health.chain;
  // When the chain could not be read, "no events" would be a false statement, not an empty state.
  const chainKnown = health.status === 'ok';
  const muted = (text: string) => <span className="font-normal text-slate-600">{text}</span>;

  return (
    <>
      <PageHeader
        title="Custos"
        description="Electronic records, signatures and a verifiable audit trail for regulated manufacturing and cold chain."
      />
      <div className="grid items-start gap-4 lg:grid-cols-2">
        <Card title="System status" actions={<Badge tone={overall.tone}>{overall.label}</Badge>}>
          <div className="grid gap-x-8 gap-y-4 sm:grid-cols-[max-content_max-content_1fr]">
            <Stat
              label="Database"
              value={<Badge tone={health.database === 'up' ? 'ok' : 'danger'}>{health.database}</Badge>}
            />
            <Stat
              label="Audit chain head"
              value={!chainKnown ? muted('Unknown') : headSeq === null ? muted('No events yet') : `seq ${headSeq}`}
            />
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
          </div>
        </Card>
        <Card title="What Custos keeps">
          <DataList
            items={[
              {
                term: 'Electronic records with signatures',
                description:
                  'Versioned records signed with user ID and password, each signature showing the signer, its meaning and the time.',
              },
              {
                term: 'Hash-chained audit trail',
                description:
                  'Who did what, when and why, for every change; each entry is chained to the one before, so any alteration is detectable.',
              },
              {
                term: 'Signed telemetry',
                description:
                  'Sensor readings accepted only with a valid device signature; rejected payloads are sealed and kept, never dropped.',
              },
            ]}
          />
        </Card>
      </div>
    </>
  );
}
