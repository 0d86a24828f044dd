import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { UtcTime } from '@/components/ui/utc-time';
import { apiAudience } from '@/lib/api/verify-service-token';
import { requirePageUser } from '@/lib/auth/require-user';
import { requestDialogContext } from '@/lib/change-requests/dialog-context';
import { baseApprovals } from '@/lib/change-requests/kinds';
import { getDb } from '@/lib/db/client';
import { can } from '@/lib/rbac/require-permission';
import { listGatewayChoices, listServiceAccounts } from '@/lib/service-accounts/list-service-accounts';
import { SERVICE_SCOPES } from '@/lib/service-accounts/scopes';
import { RequestChangeDialog, type TRequestField } from '@/app/change-requests/request-change-dialog';
import { NotPermitted } from '../not-permitted';
import { ScrollRegion } from '@/components/ui/scroll-region';

export const metadata: Metadata = { title: 'Service accounts' };
export const dynamic = 'force-dynamic';

const SCOPE_OPTIONS = SERVICE_SCOPES.map((p) => ({ value: p, label: p }));

const KEY_FIELDS: TRequestField[] = [
  { type: 'text', name: 'kid', label: 'Key ID (kid)', required: true, hint: 'The kid the service puts in its token header' },
  { type: 'textarea', name: 'publicKeyPem', label: 'ES256 public key (PEM)', required: true, hint: 'P-256 SubjectPublicKeyInfo, -----BEGIN PUBLIC KEY-----; the private key stays with the service' },
];

export default async function ServiceAccountsPage() {
  const user = await requirePageUser('/admin/service-accounts');
  if (!can(user, 'service_accounts.read')) return <NotPermitted title="Service accounts" permission="service_accounts.read" />;
  const accounts = await listServiceAccounts(getDb(), user);
  const gatewayOptions = (await listGatewayChoices(getDb(), user)).map((g) => ({ value: g.id, label: g.description ? `${g.id} — ${g.description}` : g.id }));
  const gatewayField = (current: string | null = null): TRequestField => ({
    type: 'select',
    name: 'gatewayId',
    label: 'Gateway (only with telemetry.ingest)',
    options: gatewayOptions,
    placeholder: 'None',
    defaultValue: current ?? '',
  });
  const manage = can(user, 'service_accounts.manage');
  const { commission } = await requestDialogContext(getDb(), user);
  const noManage = 'Requires the permission service_accounts.manage';
  return (
    <>
      <PageHeader
        title="Service accounts"
        description={
          <>
            Integration identities for /api/v1: each proves itself with ES256 tokens (iss = its ID, aud = {apiAudience()}) signed by one of its keys. Scopes are
            permissions a person&apos;s role could hold, never a signing meaning or an administrative one (21 CFR 11.200: a service cannot sign). Creating,
            re-keying, re-scoping and disabling are change requests one other person approves. An account holding telemetry.ingest sends readings for exactly one
            gateway.{' '}
            <Link className="font-medium text-accent-800 underline underline-offset-2" href="/admin/service-accounts/api">
              API reference
            </Link>
          </>
        }
        actions={
          manage ? (
            <RequestChangeDialog
              triggerLabel="Request service account"
              triggerVariant="primary"
              title="Request a service account"
              kind="service_account.create"
              approvals={baseApprovals('service_account.create')}
              commission={commission ?? undefined}
              fields={[
                { type: 'text', name: 'id', label: 'ID (token issuer)', required: true, hint: '3–63 lower-case letters, digits or dashes, e.g. ebr-line-1' },
                { type: 'text', name: 'name', label: 'Name', required: true },
                { type: 'text', name: 'ownerEmployeeId', label: 'Owner (employee ID)', required: true, hint: 'The person answerable for this service' },
                { type: 'checkboxes', name: 'scopes', label: 'Scopes', options: SCOPE_OPTIONS },
                { type: 'text', name: 'maxTokenLifetimeS', label: 'Max token lifetime (s)', defaultValue: '300', hint: '60–86400; exp − iat may not exceed it' },
                { type: 'text', name: 'allowedNetworks', label: 'Allowed source networks (optional)', hint: 'IP addresses or CIDRs, separated by spaces or commas; empty: any' },
                gatewayField(),
                ...KEY_FIELDS,
              ]}
            />
          ) : (
            <DisabledButton variant="primary" reason={noManage}>
              Request service account
            </DisabledButton>
          )
        }
      />
      {accounts.length === 0 && <p className="text-sm text-slate-600">No service accounts yet.</p>}
      <div className="grid gap-4">
        {accounts.map((a) => (
          <Card
            key={a.id}
            title={
              <span>
                {a.name} <code className="font-mono text-sm font-normal text-slate-600">{a.id}</code>
              </span>
            }
            actions={
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={a.status === 'active' ? 'ok' : 'neutral'}>{a.status}</Badge>
                {a.pendingRequests > 0 && <Badge tone="warn">{a.pendingRequests} pending</Badge>}
                {manage && (
                  <>
                    <RequestChangeDialog
                      triggerLabel="Add key"
                      triggerSize="sm"
                      triggerAriaLabel={`Add or retire a key of ${a.id}`}
                      title="Request: add or retire a service key"
                      subject={`${a.name} (${a.id})`}
                      kind="service_account.rotate_key"
                      hidden={{ accountId: a.id }}
                      approvals={baseApprovals('service_account.rotate_key')}
                      commission={commission ?? undefined}
                      fields={[
                        ...KEY_FIELDS,
                        {
                          type: 'checkboxes',
                          name: 'retireKids',
                          label: 'Retire keys',
                          options: a.keys.filter((k) => !k.retiredAt).map((k) => ({ value: k.kid, label: `${k.kid} (${k.fingerprint})` })),
                          hint: 'Tokens signed by a retired key are refused',
                        },
                      ]}
                    />
                    <RequestChangeDialog
                      triggerLabel="Change scopes"
                      triggerSize="sm"
                      triggerAriaLabel={`Change the scopes of ${a.id}`}
                      title="Request: change service scopes"
                      subject={`${a.name} (${a.id})`}
                      kind="service_account.update_scopes"
                      hidden={{ accountId: a.id }}
                      approvals={baseApprovals('service_account.update_scopes')}
                      commission={commission ?? undefined}
                      fields={[{ type: 'checkboxes', name: 'scopes', label: 'Scopes', options: SCOPE_OPTIONS, defaultValue: a.scopes }, gatewayField(a.gatewayId)]}
                    />
                    {a.status === 'active' && (
                      <RequestChangeDialog
                        triggerLabel="Disable"
                        triggerSize="sm"
                        triggerAriaLabel={`Disable ${a.id}`}
                        title="Request: disable service account"
                        subject={`${a.name} (${a.id})`}
                        kind="service_account.disable"
                        hidden={{ accountId: a.id }}
                        approvals={baseApprovals('service_account.disable')}
                        commission={commission ?? undefined}
                      />
                    )}
                  </>
                )}
              </div>
            }
          >
            <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
              <dt className="text-slate-600">Owner</dt>
              <dd>{a.owner ? `${a.owner.displayName} (${a.owner.employeeId})` : '—'}</dd>
              <dt className="text-slate-600">Scopes</dt>
              <dd className="font-mono text-xs">{a.scopes.join(' ')}</dd>
              <dt className="text-slate-600">Max token lifetime</dt>
              <dd className="tabular-nums">{a.maxTokenLifetimeS} s</dd>
              <dt className="text-slate-600">Gateway</dt>
              <dd>
                {a.gatewayId ? (
                  <Link className="font-mono text-xs text-accent-800 underline underline-offset-2" href={`/admin/devices/${encodeURIComponent(a.gatewayId)}`}>
                    {a.gatewayId}
                  </Link>
                ) : (
                  <span className="text-slate-500">none</span>
                )}
              </dd>
              <dt className="text-slate-600">Source networks</dt>
              <dd className="font-mono text-xs">{a.allowedNetworks.length ? a.allowedNetworks.join(' ') : 'any'}</dd>
              <dt className="text-slate-600">Created</dt>
              <dd>
                <UtcTime iso={a.createdAt} className="" />
              </dd>
            </dl>
            <ScrollRegion label={`Keys of ${a.id}`} className="mt-3">
              <table className="w-full border-collapse text-sm">
                <caption className="sr-only">Keys of {a.id}, with the last accepted token of each</caption>
                <thead className="border-b border-slate-200 text-left text-xs text-slate-600">
                  <tr>
                    <th scope="col" className="py-1 pr-3 font-medium">Key ID</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Fingerprint</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Added</th>
                    <th scope="col" className="py-1 pr-3 font-medium">Last used</th>
                    <th scope="col" className="py-1 font-medium">Status</th>
                  </tr>
                </thead>
                <tbody>
                  {a.keys.map((k) => (
                    <tr key={k.kid} className="border-b border-slate-100 last:border-b-0" data-testid={`key-${a.id}-${k.kid}`}>
                      <td className="py-1 pr-3 font-mono text-xs">{k.kid}</td>
                      <td className="py-1 pr-3 font-mono text-xs">{k.fingerprint}</td>
                      <td className="py-1 pr-3">
                        <UtcTime iso={k.createdAt} />
                      </td>
                      <td className="py-1 pr-3">
                        <UtcTime iso={k.lastUsedAt} />
                      </td>
                      <td className="py-1">{k.retiredAt ? <Badge tone="neutral">retired</Badge> : <Badge tone="ok">active</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          </Card>
        ))}
      </div>
    </>
  );
}
