import type { Metadata } from 'next';
import Link from 'next/link';
import { NotPermitted } from '@/app/admin/not-permitted';
import { EsignDialog } from '@/components/esign/esign-dialog';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { authConfig } from '@/lib/auth/auth-config';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { formatUtc } from '@/lib/esign/manifestation';
import { can } from '@/lib/rbac/require-permission';
import { GO_LIVE_CONTEXT } from '@/lib/site/go-live';
import { goLiveReadiness } from '@/lib/site/readiness';
import { siteState } from '@/lib/site/site-state';
import { goLiveAction } from './actions';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Site' };
export const dynamic = 'force-dynamic';

export default async function SitePage() {
  const user = await requirePageUser('/admin/site');
  if (!can(user, 'users.read')) return <NotPermitted title="Site" permission="users.read" />;
  const db = getDb();
  const [state, readiness] = await Promise.all([siteState(db), goLiveReadiness(db)]);
  const commissioning = state.phase === 'commissioning';
  const mayCommission = can(user, 'site.commission');
  const abbreviated = authConfig().continuousSessionSigning && user.signedAt !== null;
  const blocked = !mayCommission ? 'Requires the permission site.commission' : !readiness.ready ? 'Not every kind of change request could be approved yet: see the table' : null;

  return (
    <>
      <PageHeader
        title="Site"
        description="A new site is commissioning: administrators provision users, roles and devices directly, each by their electronic signature. Going live ends that: from then on every such change is a change request approved by others (21 CFR 11.10(g), Annex 11 §10)."
        actions={
          commissioning ? (
            blocked ? (
              <DisabledButton variant="primary" reason={blocked}>
                Go live
              </DisabledButton>
            ) : (
              <EsignDialog
                triggerLabel="Go live"
                subject={{ noun: 'Site', title: 'This site', transitionLabel: 'Go live: end commissioning', contextRef: GO_LIVE_CONTEXT }}
                meanings={['RESPONSIBILITY']}
                requiredMeaning="RESPONSIBILITY"
                commentRequired
                commentLabel="Reason for going live"
                abbreviated={abbreviated}
                signer={{ displayName: user.displayName, employeeId: user.employeeId }}
                action={goLiveAction}
                hiddenFields={{}}
              />
            )
          ) : null
        }
      />
      <div className="grid gap-4">
        <Card
          title="State"
          actions={<Badge tone={commissioning ? 'warn' : 'ok'}>{commissioning ? 'Commissioning' : 'Live'}</Badge>}
        >
          {state.phase === 'live' ? (
            <p className="text-sm text-slate-700" data-testid="site-state">
              Live since {formatUtc(state.wentLiveAt)}, signed by {state.printedName}
              {state.employeeId ? ` (${state.employeeId})` : ''}. Users, roles and devices change only through{' '}
              <Link href="/change-requests" className="font-medium text-accent-800 underline underline-offset-2">
                change requests
              </Link>
              .
            </p>
          ) : (
            <p className="text-sm text-slate-700" data-testid="site-state">
              Commissioning. Provision the people the site needs on the{' '}
              <Link href="/admin/users" className="font-medium text-accent-800 underline underline-offset-2">
                Users
              </Link>{' '}
              page, then go live. Going live is refused until every kind of change request below can be requested by one person and approved
              by as many others as it needs.
            </p>
          )}
        </Card>
        {commissioning && !readiness.ready && (
          <Alert tone="warn">
            Not ready to go live: {readiness.kinds.filter((k) => !k.ready).length} of {readiness.kinds.length} kinds of change request could not be
            approved yet.
          </Alert>
        )}
        <Card title="Who can approve what" description="Active, unlocked people holding the permissions of each kind of change request.">
          <ScrollRegion label="Readiness per kind of change request">
          <table className="w-full text-left text-sm" data-testid="readiness">
            <caption className="sr-only">Readiness per kind of change request</caption>
            <thead className="text-xs text-slate-600">
              <tr>
                <th scope="col" className="py-1.5 pr-3 font-medium">Change</th>
                <th scope="col" className="py-1.5 pr-3 font-medium">Needs</th>
                <th scope="col" className="py-1.5 pr-3 text-right font-medium">Approvers</th>
                <th scope="col" className="py-1.5 pr-3 text-right font-medium">People</th>
                <th scope="col" className="py-1.5 font-medium">Approvable</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {readiness.kinds.map((k) => (
                <tr key={k.kind}>
                  <th scope="row" className="py-1.5 pr-3 font-medium text-slate-900">
                    {k.label}
                  </th>
                  <td className="py-1.5 pr-3 font-mono text-xs text-slate-700">{k.permissions.join(' + ')}</td>
                  <td className="py-1.5 pr-3 text-right tabular-nums">
                    {k.approvers.length} / {k.approvals}
                  </td>
                  <td className="py-1.5 pr-3 text-right tabular-nums">
                    {k.holders.length} / {k.approvals + 1}
                  </td>
                  <td className="py-1.5">{k.ready ? <Badge tone="ok">Yes</Badge> : <Badge tone="warn">Not yet</Badge>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </ScrollRegion>
        </Card>
      </div>
    </>
  );
}
