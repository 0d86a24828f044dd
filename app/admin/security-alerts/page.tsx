import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { NotPermitted } from '@/app/admin/not-permitted';
import { can } from '@/lib/rbac/require-permission';
import { listSecurityAlerts } from '@/lib/users/list-security-alerts';
import { UnlockUserForm } from './unlock-user-form';
import { UtcTime } from '@/components/ui/utc-time';

export const metadata: Metadata = { title: 'Security alerts' };
export const dynamic = 'force-dynamic';

const KIND: Record<string, string> = {
  account_locked: 'Account locked',
  mfa_failed: 'Second factor failed',
  signature_failed: 'Signature failed',
  backup_drill_failed: 'Backup drill failed',
  backup_drill_overdue: 'Backup drill overdue',
};

export default async function SecurityAlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requirePageUser('/admin/security-alerts');
  if (!can(user, 'security_alerts.read')) return <NotPermitted title="Security alerts" permission="security_alerts.read" />;
  const sp = await searchParams;
  const before = sp.before && /^\d{1,18}$/.test(sp.before) ? BigInt(sp.before) : undefined;
  const { rows, openCount } = await listSecurityAlerts(getDb(), user, { before, take: 50 });
  const mayUnlock = can(user, 'users.unlock');
  const last = rows.at(-1);
  return (
    <>
      <PageHeader
        title="Security alerts"
        description="Attempts at unauthorized use — locked accounts and failed second factors — reported as they happen (21 CFR 11.300(d))."
        actions={<Badge tone={openCount ? 'danger' : 'ok'}>{openCount} open</Badge>}
      />
      <Card>
        {rows.length === 0 ? (
          <p className="text-sm text-slate-600">No alerts.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-slate-600">
              <tr>
                <th className="py-1.5 pr-3 font-medium">Time (UTC)</th>
                <th className="py-1.5 pr-3 font-medium">Alert</th>
                <th className="py-1.5 pr-3 font-medium">User</th>
                <th className="py-1.5 font-medium">Action</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={r.id}>
                  <td className="py-1.5 pr-3 tabular-nums">
                    <UtcTime iso={r.createdAt.toISOString()} className="" />
                  </td>
                  <td className="py-1.5 pr-3">
                    <Badge tone="danger">{KIND[r.kind] ?? r.kind}</Badge>
                  </td>
                  <td className="py-1.5 pr-3">
                    {r.user ? `${r.user.displayName} (${r.user.employeeId})` : '—'}
                    {r.user && <span className="ml-2 text-xs text-slate-600">{r.user.locked ? 'locked' : 'not locked'}</span>}
                  </td>
                  <td className="py-1.5">
                    {r.user?.locked ? <UnlockUserForm userId={r.user.id} employeeId={r.user.employeeId} allowed={mayUnlock} /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {rows.length === 50 && last && (
          <div className="mt-3 text-right">
            <Link className="text-sm font-medium text-accent-800 underline" href={`/admin/security-alerts?before=${last.id}`}>
              Older alerts
            </Link>
          </div>
        )}
      </Card>
    </>
  );
}
