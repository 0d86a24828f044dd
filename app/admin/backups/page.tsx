import type { Metadata } from 'next';
import Link from 'next/link';
import { NotPermitted } from '@/app/admin/not-permitted';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { UtcTime } from '@/components/ui/utc-time';
import { requirePageUser } from '@/lib/auth/require-user';
import { backupDir, DRILL_OVERDUE_DAYS, retentionDays } from '@/lib/backup/config';
import { listBackups } from '@/lib/backup/list-backups';
import { queuedRestores } from '@/lib/backup/restore-backup';
import { scheduleState } from '@/lib/backup/schedule';
import { getDb } from '@/lib/db/client';
import { can } from '@/lib/rbac/require-permission';
import { BackUpNow } from './back-up-now';
import { RequestRestore } from './request-restore';

export const metadata: Metadata = { title: 'Backups' };
export const dynamic = 'force-dynamic';

const TONE = { created: 'neutral', verified: 'ok', failed: 'danger', pruned: 'neutral' } as const;

/** A slot that has come and not run yet: the worker runs it at its next check (every minute). */
function Due({ slot }: { slot: Date }) {
  return (
    <>
      due since <UtcTime iso={slot.toISOString()} className="" /> — the worker runs it at its next check (every minute); if this stays, the worker is not running
    </>
  );
}

export default async function BackupsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const user = await requirePageUser('/admin/backups');
  if (!can(user, 'backups.read')) return <NotPermitted title="Backups" permission="backups.read" />;
  const sp = await searchParams;
  const cursor = sp.after && /^[0-9a-f-]{36}$/.test(sp.after) ? sp.after : null;
  const o = await listBackups(getDb(), { cursor, pageSize: 25 });
  const sched = await scheduleState(getDb());
  const queued = await queuedRestores(getDb());
  const manage = can(user, 'backups.manage');
  return (
    <>
      <PageHeader
        title="Backups"
        description={`Encrypted (AES-256-GCM) full backups in ${backupDir()}, kept ${retentionDays()} days; each is signed and named in the audit chain. Backups leave through that directory only. A restore is a change request approved by two other administrators (21 CFR 11.10(c), Annex 11 §7.2).`}
        actions={<BackUpNow allowed={manage} />}
      />
      {queued.map((q) => (
        <Alert key={q.cr_id} tone="info">
          Restore of {q.plan.fileName} approved in{' '}
          <Link className="font-medium underline" href={`/change-requests/${q.cr_id}`}>
            {q.plan.number}
          </Link>{' '}
          (<UtcTime iso={q.approved_at.toISOString()} className="" />): too large to restore within the approval, the worker restores it at its next check.
        </Alert>
      ))}
      <Card title="Schedule" description={sched.schedule.minuteOfDay === null ? 'Scheduled backups are off (CUSTOS_BACKUP_SCHEDULE=off): backups are written only on demand.' : `Backups run ${sched.schedule.text}, by the worker (npm start runs it).`}>
        {sched.schedule.minuteOfDay !== null && (
          <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="backup-schedule">
            <dt className="text-slate-600">Next backup</dt>
            <dd>{sched.backupDue ? <Due slot={sched.backupSlot!} /> : <UtcTime iso={sched.nextBackupAt!.toISOString()} className="" />}</dd>
            <dt className="text-slate-600">Next restore drill</dt>
            <dd>{sched.drillDue ? <Due slot={sched.drillSlot!} /> : <UtcTime iso={sched.nextDrillAt!.toISOString()} className="" />}</dd>
            <dt className="text-slate-600">Last scheduled backup</dt>
            <dd>
              {sched.lastScheduledBackup ? (
                <>
                  <Badge tone={sched.lastScheduledBackup.ok ? 'ok' : 'danger'}>{sched.lastScheduledBackup.ok ? 'written' : 'failed'}</Badge>{' '}
                  <UtcTime iso={sched.lastScheduledBackup.at.toISOString()} className="" />
                </>
              ) : (
                'none yet'
              )}
            </dd>
          </dl>
        )}
      </Card>
      {o.lastDrill && !o.lastDrill.ok && <Alert tone="danger">The last restore drill failed: {o.lastDrill.reason}</Alert>}
      {o.drillOverdue && <Alert tone="warn">No restore drill in the last {DRILL_OVERDUE_DAYS} days: run `custos backup drill` or wait for the weekly one.</Alert>}
      <Card
        title="Backups"
        description={
          o.lastDrill ? (
            <>
              Last drill: <Badge tone={o.lastDrill.ok ? 'ok' : 'danger'}>{o.lastDrill.ok ? 'passed' : 'failed'}</Badge> <UtcTime iso={o.lastDrill.finishedAt.toISOString()} className="" />
            </>
          ) : (
            'No restore drill yet.'
          )
        }
      >
        {o.rows.length === 0 ? (
          <p className="text-sm text-slate-600">No backups yet. “Back up now” writes the first one.</p>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-slate-600">
              <tr>
                <th className="py-1.5 pr-3 font-medium">Created (UTC)</th>
                <th className="py-1.5 pr-3 font-medium">Status</th>
                <th className="py-1.5 pr-3 font-medium">Size</th>
                <th className="py-1.5 pr-3 font-medium">Chain head</th>
                <th className="py-1.5 pr-3 font-medium">Last drill</th>
                <th className="py-1.5 font-medium">Restore</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {o.rows.map((b) => (
                <tr key={b.id}>
                  <td className="py-1.5 pr-3 tabular-nums">
                    <UtcTime iso={b.createdAt.toISOString()} className="" />
                    <div className="font-mono text-xs text-slate-600" title={`manifest ${b.manifestHash}`}>{b.fileName}</div>
                  </td>
                  <td className="py-1.5 pr-3">
                    <Badge tone={TONE[b.status as keyof typeof TONE] ?? 'neutral'}>{b.status}</Badge>
                  </td>
                  <td className="py-1.5 pr-3 tabular-nums">{(Number(b.sizeBytes) / 1048576).toFixed(1)} MiB</td>
                  <td className="py-1.5 pr-3 font-mono text-xs" title={b.headHash}>
                    seq {b.headSeq.toString()} · {b.headHash.slice(0, 12)}…
                  </td>
                  <td className="py-1.5 pr-3">{b.lastDrill ? <Badge tone={b.lastDrill.ok ? 'ok' : 'danger'}>{b.lastDrill.ok ? 'passed' : 'failed'}</Badge> : '—'}</td>
                  <td className="py-1.5">{b.status === 'pruned' ? '—' : <RequestRestore backupId={b.id} manifestHash={b.manifestHash} allowed={manage} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {o.nextCursor && (
          <div className="mt-3 text-right">
            <Link className="text-sm font-medium text-accent-800 underline" href={`/admin/backups?after=${o.nextCursor}`}>
              Older backups
            </Link>
          </div>
        )}
      </Card>
    </>
  );
}
