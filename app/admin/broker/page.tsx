import type { Metadata } from 'next';
import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { UtcTime } from '@/components/ui/utc-time';
import { requirePageUser } from '@/lib/auth/require-user';
import { getBrokerOverview } from '@/lib/broker/get-broker-overview';
import { getDb } from '@/lib/db/client';
import { can } from '@/lib/rbac/require-permission';
import { NotPermitted } from '../not-permitted';
import { BatchBuilder } from './batch-builder';

export const metadata: Metadata = { title: 'Broker access' };
export const dynamic = 'force-dynamic';

const acl = (a: { acltype: string; topic: string; allow: boolean; priority: number }) => `${a.allow ? 'allow' : 'deny'} ${a.acltype} ${a.topic}${a.priority ? ` (priority ${a.priority})` : ''}`;

export default async function BrokerPage() {
  const user = await requirePageUser('/admin/broker');
  if (!can(user, 'broker.read')) return <NotPermitted title="Broker access" permission="broker.read" />;
  const o = await getBrokerOverview(getDb(), user);
  const state = o.baseline?.state;
  const drift = o.lastCheck && !o.lastCheck.ok && o.lastCheck.differences.length > 0;
  return (
    <>
      <PageHeader
        title="Broker access"
        description="Who may connect to the MQTT broker and publish or subscribe where (Mosquitto dynamic security). A change is a batch of commands approved by two other people, applied by Custos, read back and compared; the broker is checked against the approved baseline every few minutes."
        actions={
          o.managed ? (
            <Badge tone={drift ? 'danger' : o.lastCheck?.ok ? 'ok' : 'warn'}>{drift ? 'Drift' : o.lastCheck?.ok ? 'Matches baseline' : 'Not checked'}</Badge>
          ) : (
            <Badge tone="neutral">Not managed</Badge>
          )
        }
      />
      <div className="grid gap-4">
        {!o.managed && (
          <Alert tone="warn">
            Custos does not manage a broker here: set <code>CUSTOS_BROKER_ADMIN_USERNAME</code> and <code>CUSTOS_BROKER_ADMIN_PASSWORD</code> (the plugin&apos;s admin client) and
            <code> CUSTOS_BROKER_URL</code>. See docs/broker.md.
          </Alert>
        )}

        <Card title="Last check against the baseline" description="The worker compares the live broker with the approved baseline (CUSTOS_BROKER_RECONCILE_S).">
          {!o.lastCheck ? (
            <p className="text-sm text-slate-600">No check has run yet.</p>
          ) : (
            <div className="grid gap-2 text-sm">
              <p>
                <UtcTime iso={o.lastCheck.ranAt.toISOString()} className="" /> — {o.lastCheck.ok ? 'the broker matches the approved baseline.' : (o.lastCheck.error ?? 'the broker differs from the approved baseline:')}
              </p>
              {o.lastCheck.differences.length > 0 && (
                <ul className="grid gap-1" aria-label="Differences">
                  {o.lastCheck.differences.map((d, i) => (
                    <li key={i} className="rounded border border-red-200 bg-red-50 px-2 py-1 text-red-900">
                      <span className="font-medium">{d.subject}</span> {d.change}: <span className="font-mono text-xs">{d.detail}</span>
                    </li>
                  ))}
                </ul>
              )}
              {drift && (
                <p className="text-xs text-slate-600">
                  Made outside Custos. Resolve it with a change request (undo it, or adopt it), then acknowledge the alert on{' '}
                  <Link href="/admin/security-alerts" className="underline">
                    Alerts
                  </Link>
                  .
                </p>
              )}
            </div>
          )}
        </Card>

        {o.openRequests.length > 0 && (
          <Card title="Waiting for approval">
            <ul className="grid gap-1 text-sm">
              {o.openRequests.map((r) => (
                <li key={r.id}>
                  <Link href={`/change-requests/${r.id}`} className="font-mono font-medium underline underline-offset-2">
                    {r.number}
                  </Link>{' '}
                  by {r.requesterName}
                  {r.submittedAt && (
                    <>
                      , <UtcTime iso={r.submittedAt.toISOString()} className="" />
                    </>
                  )}
                </li>
              ))}
            </ul>
          </Card>
        )}

        <Card
          title="Approved baseline"
          description={o.baseline ? `Revision ${o.baseline.revision}, read back from the broker after the approved change` : 'No change approved yet: the first one adopts the broker as it is.'}
          actions={
            o.baseline?.changeRequestId ? (
              <Link href={`/change-requests/${o.baseline.changeRequestId}`} className="text-sm underline">
                Its change request
              </Link>
            ) : undefined
          }
        >
          {!state ? (
            <p className="text-sm text-slate-600">No baseline.</p>
          ) : (
            <div className="grid gap-4">
              <table className="w-full text-left text-sm">
                <caption className="mb-1 text-left text-xs font-medium text-slate-600">Clients ({state.clients.length})</caption>
                <thead className="text-xs text-slate-600">
                  <tr>
                    <th scope="col" className="py-1 pr-3 font-medium">Username</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Roles</th>
                    <th scope="col" className="py-1 font-medium">Status</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {state.clients.map((c) => (
                    <tr key={c.username}>
                      <td className="py-1 pr-3 font-mono text-xs">{c.username}</td>
                      <td className="py-1 pr-3">{c.roles.map((r) => r.rolename).join(', ') || '—'}</td>
                      <td className="py-1">{c.disabled ? <Badge tone="warn">Disabled</Badge> : <Badge tone="ok">Enabled</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <table className="w-full text-left text-sm">
                <caption className="mb-1 text-left text-xs font-medium text-slate-600">Roles ({state.roles.length})</caption>
                <thead className="text-xs text-slate-600">
                  <tr>
                    <th scope="col" className="w-48 py-1 pr-3 font-medium">Role</th>
                    <th scope="col" className="py-1 font-medium">Topic ACLs</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100 align-top">
                  {state.roles.map((r) => (
                    <tr key={r.rolename}>
                      <td className="py-1 pr-3 font-mono text-xs">{r.rolename}</td>
                      <td className="py-1">
                        <ul className="grid gap-0.5 font-mono text-xs">
                          {r.acls.length ? r.acls.map((a) => <li key={`${a.acltype} ${a.topic}`}>{acl(a)}</li>) : <li className="text-slate-500">none</li>}
                        </ul>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p className="text-sm">
                <span className="font-medium">Default access: </span>
                {Object.entries(state.defaultACLAccess)
                  .map(([k, v]) => `${k} ${v ? 'allowed' : 'denied'}`)
                  .join(' · ')}
              </p>
            </div>
          )}
        </Card>

        <Card title="Propose a change" description="Build the command batch; two other people approve it before Custos sends it to the broker. Passwords are generated when it is applied and shown once to you.">
          <BatchBuilder
            disabledReason={!can(user, 'broker.manage') ? 'Requires the permission broker.manage' : !o.managed ? 'Custos does not manage a broker here' : null}
            adoption={!o.baseline} devicesWithoutClient={o.devicesWithoutClient} />
        </Card>
      </div>
    </>
  );
}
