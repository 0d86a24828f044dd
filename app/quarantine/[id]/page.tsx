import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Alert } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { authConfig } from '@/lib/auth/auth-config';
import { getDb } from '@/lib/db/client';
import { formatUtc } from '@/lib/esign/manifestation';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { getQuarantineEntry } from '@/lib/telemetry/get-quarantine-entry';
import { NotPermitted } from '@/app/admin/not-permitted';
import { QuarantineStatusBadge, REASON_LABEL } from '../status-badge';
import { DecideForm } from './decide-form';

export const metadata: Metadata = { title: 'Quarantine entry' };
export const dynamic = 'force-dynamic';

function Utc({ d }: { d: Date }) {
  return (
    <time dateTime={d.toISOString()} className="tabular-nums">
      {formatUtc(d)}
    </time>
  );
}

const none = <span className="text-slate-500">—</span>;
const MANAGE_REASON = 'Requires the permission quarantine.manage';

export default async function QuarantineEntryPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/quarantine/${id}`);
  if (!can(user, 'quarantine.read')) return <NotPermitted title="Quarantine entry" permission="quarantine.read" />;
  let q: Awaited<ReturnType<typeof getQuarantineEntry>>;
  try {
    q = await getQuarantineEntry(getDb(), user, id);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
  const held = q.status === 'held';
  const mayDecide = can(user, 'quarantine.manage');

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-600">
        <Link href="/quarantine" className="font-medium text-accent-800 underline-offset-2 hover:underline">
          Quarantine
        </Link>{' '}
        / <span className="font-mono">Q-{q.id}</span>
      </nav>
      <PageHeader
        title={
          <span className="inline-flex flex-wrap items-center gap-x-3 gap-y-1">
            <span>
              <span className="font-mono">Q-{q.id}</span> · {REASON_LABEL[q.reason] ?? q.reason}
            </span>
            <QuarantineStatusBadge status={q.status} />
          </span>
        }
        description={`${q.source.toUpperCase()} message${q.deviceHint ? ` naming ${q.deviceHint}` : ''}, received ${formatUtc(q.receivedAt)}.`}
      />
      <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="grid gap-4">
          <Card title="Sealed message" description="Kept exactly as received (21 CFR 11.10(e)): the database refuses any change to these fields.">
            <DataList
              items={[
                { term: 'Received', description: <Utc d={q.receivedAt} /> },
                { term: 'Source', description: q.source.toUpperCase() },
                { term: 'Topic', description: q.topic ? <code className="font-mono text-xs">{q.topic}</code> : none },
                ...(q.sourceAddress ? [{ term: 'Client address', description: <code className="font-mono text-xs">{q.sourceAddress}</code> }] : []),
                ...(q.junk
                  ? [
                      {
                        term: 'Audited',
                        description: q.junk.audited ? (
                          <span>
                            Unauthenticated: with the other posts of this address in the minute from <Utc d={q.junk.window} />, in one audit event (below)
                          </span>
                        ) : (
                          <span>Unauthenticated: its minute (from <Utc d={q.junk.window} />) is audited in one event shortly after it ends</span>
                        ),
                      },
                    ]
                  : []),
                { term: 'Device named', description: q.deviceHint ? <code className="font-mono text-xs">{q.deviceHint}</code> : none },
                {
                  term: 'Reason',
                  description: (
                    <>
                      {REASON_LABEL[q.reason] ?? q.reason} <code className="font-mono text-xs text-slate-600">({q.reason})</code>
                    </>
                  ),
                },
                { term: 'Detail', description: q.detail ? <span className="break-words">{q.detail}</span> : none },
                { term: 'Size', description: <span className="tabular-nums">{q.size.toLocaleString('en-GB')} bytes</span> },
                {
                  term: 'SHA-256',
                  description: (
                    <span className="grid gap-1">
                      <code className="font-mono text-xs break-all text-slate-800" data-testid="quarantine-sha256">
                        {q.sha256}
                      </code>
                      <span>
                        {q.intact ? <Badge tone="ok">Bytes match the sealed hash</Badge> : <Badge tone="danger">Bytes do not match the sealed hash — report to QA</Badge>}
                      </span>
                    </span>
                  ),
                },
              ]}
            />
          </Card>
          <Card
            title="Content (escaped preview)"
            description={`The first ${q.previewTruncated ? '4 KiB' : `${q.size} bytes`} as text. Control characters, invalid UTF-8 and invisible characters are shown as escapes (\\n, \\xFF, \\u{202E}); backslashes are doubled.`}
          >
            <pre className="max-h-80 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-[11px] leading-relaxed break-all whitespace-pre-wrap text-slate-800" tabIndex={0} role="region" aria-label="Escaped content of the message">
              {q.preview}
              {q.previewTruncated && <span className="text-slate-500"> … ({(q.size - 4096).toLocaleString('en-GB')} more bytes not shown)</span>}
            </pre>
          </Card>
        </div>
        <div className="grid gap-4">
          <Card title="Decision" description="Re-inject runs the sealed bytes through verification again; discard keeps them and records why they are not used. Either is an electronic signature with its reason.">
            <div className="grid gap-3">
              {held ? (
                mayDecide ? null : (
                  <div className="grid gap-2">
                    <p className="text-sm text-slate-700">Undecided. A person with the permission quarantine.manage re-injects or discards it.</p>
                    <div className="flex flex-wrap gap-2">
                      <DisabledButton variant="primary" reason={MANAGE_REASON}>
                        Re-inject
                      </DisabledButton>
                      <DisabledButton reason={MANAGE_REASON}>Discard</DisabledButton>
                    </div>
                  </div>
                )
              ) : (
                <DataList
                  items={[
                    { term: 'Status', description: <QuarantineStatusBadge status={q.status} /> },
                    { term: 'Decided by', description: q.decidedBy ?? none },
                    { term: 'Decided', description: q.decidedAt ? <Utc d={q.decidedAt} /> : none },
                    { term: 'Reason', description: <span data-testid="quarantine-decision-reason">{q.decisionReason ?? '—'}</span> },
                    ...(q.telemetryId ? [{ term: 'Reading', description: <code className="font-mono text-xs">{q.telemetryId}</code> }] : []),
                  ]}
                />
              )}
              {mayDecide && held && (
                <DecideForm
                  id={q.id}
                  sha256={q.sha256}
                  signer={{ displayName: user.displayName, employeeId: user.employeeId }}
                  abbreviated={authConfig().continuousSessionSigning && user.signedAt !== null}
                />
              )}
            </div>
          </Card>
          <Card title="Audit trail" description="Events of this entry, oldest first.">
            {q.audit.length === 0 ? (
              <Alert>{q.junk && !q.junk.audited ? "Not yet: unauthenticated posts are audited together, one event per address and minute, shortly after the minute ends." : "No audit event names this entry."}</Alert>
            ) : (
              <ol className="grid gap-2 text-xs">
                {q.audit.map((a) => (
                  <li key={a.seq} className="rounded-md border border-slate-200 px-2.5 py-1.5">
                    <div className="flex flex-wrap items-baseline justify-between gap-x-2">
                      <code className="font-mono font-medium text-slate-900">{a.action}</code>
                      <span className="text-slate-600 tabular-nums">
                        seq {a.seq} · <Utc d={a.occurredAt} />
                      </span>
                    </div>
                    <div className="text-slate-700">{a.actorName ?? a.actorId}</div>
                    {a.reason && <div className="break-words text-slate-600">{a.reason}</div>}
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
