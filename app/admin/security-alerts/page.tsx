import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { NotPermitted } from '@/app/admin/not-permitted';
import { can } from '@/lib/rbac/require-permission';
import { listSecurityAlerts, type TSecurityAlertRow } from '@/lib/users/list-security-alerts';
import { UnlockUserForm } from './unlock-user-form';
import { UtcTime } from '@/components/ui/utc-time';
import { alertLabel } from '@/lib/alerts/alert-kinds';
import { ACK_MEANING, acknowledgementsOf, alertContent } from '@/lib/alerts/acknowledge-alert';
import { authConfig } from '@/lib/auth/auth-config';
import { EsignDialog } from '@/components/esign/esign-dialog';
import { DisabledButton } from '@/components/ui/disabled-button';
import { acknowledgeAlertAction } from './actions';

export const metadata: Metadata = { title: 'Security alerts' };
export const dynamic = 'force-dynamic';

const SEVERITY_TONE: Record<string, 'danger' | 'warn' | 'neutral'> = { critical: 'danger', high: 'danger', warning: 'warn', info: 'neutral' };

/** One line of what the alert is about, from its detail. */
function summary(kind: string, detail: unknown): string | null {
  const d = (detail ?? {}) as Record<string, unknown>;
  if (kind === 'comm_loss') return `Device ${String(d.deviceId)} silent since ${String(d.since)}`;
  if (kind === 'quarantine_escalation') return `Quarantine #${String(d.quarantineId)} (${String(d.reason)}), ${String(d.ageMin)} min — to regulatory affairs`;
  if (kind === 'chain_verify_failed') return `Chain ${String(d.chainId)}`;
  if (kind === 'backup_failed') return `Scheduled backup of ${String(d.scheduledFor)}: ${String(d.error)}`;
  if (kind === 'backup_overdue') return `No backup since ${String(d.lastBackupAt)}`;
  if (kind === 'backup_restore_failed') return `${String(d.changeRequest)}: ${String(d.reason)}`;
  if (kind === 'backup_drill_failed') return `${String(d.fileName ?? d.backupId)}: ${String(d.reason)}`;
  if (kind === 'backup_drill_overdue') return d.lastPassedDrillAt ? `Last passed drill ${String(d.lastPassedDrillAt)}` : 'No restore drill has passed yet';
  if (kind === 'broker_drift' || kind === 'broker_change_mismatch') {
    const diffs = (d.differences as Array<{ subject: string; change: string }> | undefined) ?? [];
    const more = [...diffs.map((x) => `${x.subject} ${x.change}`), ...((d.refused as string[] | undefined) ?? []), ...((d.saveErrors as string[] | undefined) ?? [])];
    return more.slice(0, 3).join('; ') || null;
  }
  return null;
}

function Acknowledgement({
  row,
  ack,
  mayAck,
  own,
  signer,
  abbreviated,
}: {
  row: TSecurityAlertRow;
  ack: { printedName: string; employeeId: string; meaning: string; at: Date; comment: string | null } | undefined;
  mayAck: boolean;
  own: boolean;
  signer: { displayName: string; employeeId: string };
  abbreviated: boolean;
}) {
  if (row.acknowledgedAt) {
    return (
      <div className="text-xs text-slate-700" data-testid="alert-acknowledgement">
        <Badge tone="ok">acknowledged</Badge> {ack ? `${ack.printedName} (${ack.employeeId}), ${ack.meaning.toLowerCase()}, ` : ''}
        <UtcTime iso={row.acknowledgedAt.toISOString()} className="" />
        {ack?.comment && <div className="mt-0.5 text-slate-600">“{ack.comment}”</div>}
      </div>
    );
  }
  if (!mayAck) return <DisabledButton size="sm" variant="secondary" reason="Needs the permission security_alerts.acknowledge">Acknowledge</DisabledButton>;
  if (own) return <DisabledButton size="sm" variant="secondary" reason="An alert about your own account is acknowledged by someone else">Acknowledge</DisabledButton>;
  return (
    <EsignDialog
      triggerLabel="Acknowledge"
      triggerVariant="secondary"
      subject={{
        title: `Alert #${row.id}: ${alertLabel(row.kind)} (${row.severity})`,
        contentHash: alertContent({ ...row, id: row.id }).hash.toString('hex'),
        transitionLabel: 'Acknowledge the alert',
        contextRef: `Alert:${row.id}/acknowledge`,
      }}
      meanings={[ACK_MEANING]}
      requiredMeaning={ACK_MEANING}
      commentRequired
      commentLabel="What was done about it (required)"
      abbreviated={abbreviated}
      signer={signer}
      action={acknowledgeAlertAction}
      hiddenFields={{ alertId: row.id, contentHash: alertContent({ ...row, id: row.id }).hash.toString('hex') }}
    />
  );
}

export default async function SecurityAlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requirePageUser('/admin/security-alerts');
  if (!can(user, 'security_alerts.read')) return <NotPermitted title="Security alerts" permission="security_alerts.read" />;
  const sp = await searchParams;
  const before = sp.before && /^\d{1,18}$/.test(sp.before) ? BigInt(sp.before) : undefined;
  // Open alerts are the work; acknowledged ones are the record of what was done about them.
  const view: 'open' | 'acknowledged' = sp.view === 'acknowledged' ? 'acknowledged' : 'open';
  const { rows, openCount, acknowledgedCount } = await listSecurityAlerts(getDb(), user, {
    before,
    take: 50,
    openOnly: view === 'open',
    acknowledgedOnly: view === 'acknowledged',
  });
  const mayUnlock = can(user, 'users.unlock');
  const mayAck = can(user, 'security_alerts.acknowledge');
  const acks = await acknowledgementsOf(getDb(), rows.filter((r) => r.acknowledgedAt).map((r) => r.id));
  const signer = { displayName: user.displayName, employeeId: user.employeeId };
  const abbreviated = authConfig().continuousSessionSigning && user.signedAt !== null;
  const last = rows.at(-1);
  return (
    <>
      <PageHeader
        title="Security alerts"
        description="Attempts at unauthorized use (21 CFR 11.300(d)), and operations alerts: silent devices, quarantine not reconciled in time, broken audit chains, broker drift, backups and restore drills — with severity, first and last seen. An alert is acknowledged by an electronic signature saying what was done."
        actions={<Badge tone={openCount ? 'danger' : 'ok'}>{openCount} open</Badge>}
      />
      <nav aria-label="Alert lists" className="mb-3 flex gap-1" data-testid="alert-tabs">
        {(
          [
            ['open', 'Open', openCount],
            ['acknowledged', 'Acknowledged', acknowledgedCount],
          ] as const
        ).map(([v, label, n]) => (
          <Link
            key={v}
            href={v === 'open' ? '/admin/security-alerts' : '/admin/security-alerts?view=acknowledged'}
            aria-current={view === v ? 'page' : undefined}
            className={[
              'rounded-md px-3 py-1.5 text-sm font-medium',
              view === v ? 'bg-slate-900 text-white' : 'text-slate-700 ring-1 ring-slate-300 ring-inset hover:bg-slate-100',
            ].join(' ')}
          >
            {label} <span className="tabular-nums">({n})</span>
          </Link>
        ))}
      </nav>
      <Card>
        {rows.length === 0 ? (
          <p className="text-sm text-slate-600">
            {view === 'open' ? 'No open alerts: every alert has been acknowledged.' : 'No alert has been acknowledged yet.'}
          </p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-slate-600">
              <tr>
                <th className="py-1.5 pr-3 font-medium">First seen (UTC)</th>
                <th className="py-1.5 pr-3 font-medium">Last seen (UTC)</th>
                <th className="py-1.5 pr-3 font-medium">Severity</th>
                <th className="py-1.5 pr-3 font-medium">Alert</th>
                <th className="py-1.5 pr-3 font-medium">User</th>
                <th className="py-1.5 font-medium">Action</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={r.id} id={`alert-${r.id}`}>
                  <td className="py-1.5 pr-3 tabular-nums">
                    <UtcTime iso={r.firstSeenAt.toISOString()} className="" />
                  </td>
                  <td className="py-1.5 pr-3 tabular-nums">
                    <UtcTime iso={r.lastSeenAt.toISOString()} className="" />
                    {r.occurrences > 1 && <span className="ml-1 text-xs text-slate-600">({r.occurrences}×)</span>}
                  </td>
                  <td className="py-1.5 pr-3">
                    <Badge tone={SEVERITY_TONE[r.severity] ?? 'neutral'}>{r.severity}</Badge>
                  </td>
                  <td className="py-1.5 pr-3">
                    <div className="font-medium text-slate-900">{alertLabel(r.kind)}</div>
                    {summary(r.kind, r.detail) && <div className="text-xs text-slate-600">{summary(r.kind, r.detail)}</div>}
                    {r.deliveries.map((d, i) => (
                      <div key={i} className="text-xs text-slate-600">
                        Webhook: {d.status} after {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                        {d.lastError && d.status !== 'delivered' ? ` (${d.lastError})` : ''}
                      </div>
                    ))}
                  </td>
                  <td className="py-1.5 pr-3">
                    {r.user ? `${r.user.displayName} (${r.user.employeeId})` : '—'}
                    {r.user && <span className="ml-2 text-xs text-slate-600">{r.user.locked ? 'locked' : 'not locked'}</span>}
                  </td>
                  <td className="py-1.5">
                    <div className="flex flex-col items-start gap-1.5">
                      {r.user?.locked ? <UnlockUserForm userId={r.user.id} employeeId={r.user.employeeId} allowed={mayUnlock} /> : null}
                      <Acknowledgement row={r} ack={acks.get(r.id)} mayAck={mayAck} own={r.user?.id === user.id} signer={signer} abbreviated={abbreviated} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {rows.length === 50 && last && (
          <div className="mt-3 text-right">
            <Link className="text-sm font-medium text-accent-800 underline" href={`/admin/security-alerts?${view === 'acknowledged' ? 'view=acknowledged&' : ''}before=${last.id}`}>
              Older alerts
            </Link>
          </div>
        )}
      </Card>
    </>
  );
}
