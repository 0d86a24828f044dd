import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { EsignDialog } from '@/components/esign/esign-dialog';
import { Alert } from '@/components/ui/alert';
import { ButtonLink, buttonClassName } from '@/components/ui/button-link';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { authConfig } from '@/lib/auth/auth-config';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { formatUtc, recordContextRef } from '@/lib/esign/manifestation';
import { isAppError } from '@/lib/errors/app-error';
import { getRecord, type TRecordView } from '@/lib/records/get-record';
import { KIND_CONFIG } from '@/lib/records/kinds';
import { availableTransitions, isEditable } from '@/lib/records/lifecycle';
import { NotPermitted } from '@/app/admin/not-permitted';
import { signIneligibility } from '@/lib/esign/sign-eligibility';
import { listAttachments } from '@/lib/records/attachments';
import { trainingBlock, trainingRefusal } from '@/lib/training/training';
import { can } from '@/lib/rbac/require-permission';
import { signRecordAction } from '../actions';
import { contentLabel, displayValue, excursionChartHref, orderedContent } from '../kind-fields';
import { StatusBadge } from '../status-badge';
import { EntityAuditTable } from '@/components/audit/entity-audit-table';
import { RetireDialog } from './retire-dialog';
import { SignatureList } from './signatures';
import { VersionDiff, VersionsTable } from './versions';

export const metadata: Metadata = { title: 'Record' };
export const dynamic = 'force-dynamic';

type TSearch = Record<string, string | string[] | undefined>;

async function loadRecord(user: Parameters<typeof getRecord>[1], id: string): Promise<TRecordView> {
  try {
    return await getRecord(getDb(), user, id);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
}

/** The versions to compare: ?from=&to= when both exist, else the previous and the current one. */
function diffPair(r: TRecordView, sp: TSearch) {
  const find = (v: unknown) => (typeof v === 'string' && /^\d{1,6}$/.test(v) ? r.versions.find((x) => x.version === Number(v)) : undefined);
  const to = find(sp.to) ?? r.versions.find((v) => v.version === r.currentVersion) ?? r.versions.at(-1)!;
  const from = find(sp.from) ?? r.versions.find((v) => v.version === to.version - 1) ?? r.versions[0];
  return { from, to };
}

export default async function RecordPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<TSearch> }) {
  const { id } = await params;
  const user = await requirePageUser(`/records/${id}`);
  if (!can(user, 'records.read')) return <NotPermitted title="Record" permission="records.read" />;
  const r = await loadRecord(user, id);
  const sp = await searchParams;

  const current = r.versions.find((v) => v.version === r.currentVersion) ?? r.versions.at(-1)!;
  const attachments = await listAttachments(getDb(), user, r.id);
  const transitions = availableTransitions(r.kind, r.status);
  const prior = r.signatures.filter((s) => s.version === r.currentVersion).map((s) => ({ signerId: s.signerId, meaning: s.meaning }));
  // 11.10(i): overdue training for a meaning blocks it too, and the page says which document.
  const blocked = new Map(await Promise.all(transitions.map(async (t) => [t.name, await trainingBlock(getDb(), user, r.kind, t.meaning)] as const)));
  const whyNot = (t: (typeof transitions)[number]) => {
    const rule = signIneligibility(user, r.kind, t, { authorId: current.createdById, prior });
    const training = blocked.get(t.name) ?? [];
    return rule ?? (training.length ? trainingRefusal(training) : null);
  };
  // 11.200(a)(1)(i): after one full signing in this session, only the password is asked again.
  const abbreviated = authConfig().continuousSessionSigning && user.signedAt !== null;
  const { from, to } = diffPair(r, sp);
  const invalidCount = r.signatures.filter((s) => s.validity !== 'valid').length;

  return (
    <>
      <PageHeader
        title={
          <>
            <span className="font-mono text-slate-600">{r.number}</span> {r.title}
          </>
        }
        description={
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <StatusBadge status={r.status} />
            <span>{KIND_CONFIG[r.kind].label}</span>
            <span aria-hidden="true">·</span>
            <span>version {r.currentVersion}</span>
          </span>
        }
        actions={
          <>
            {isEditable(r.status) &&
              (can(user, 'records.edit') ? (
                <ButtonLink href={`/records/${r.id}/edit`}>Edit</ButtonLink>
              ) : (
                <DisabledButton reason="Requires the permission records.edit">Edit</DisabledButton>
              ))}
            {r.status !== 'retired' &&
              (can(user, 'records.retire') ? (
                <RetireDialog recordId={r.id} number={r.number} />
              ) : (
                <DisabledButton reason="Requires the permission records.retire">Retire</DisabledButton>
              ))}
            {/* A route handler, not a page: a plain link (a PDF opens in the browser's viewer). */}
            <a href={`/api/records/${r.id}/pdf`} target="_blank" rel="noopener" className={buttonClassName('secondary')}>
              Print / PDF
            </a>
          </>
        }
      />

      <div className="grid gap-4">
        {r.retiredAt && (
          <Alert tone="warn">
            Retired <time dateTime={r.retiredAt.toISOString()}>{formatUtc(r.retiredAt)}</time>: {r.retiredReason}
          </Alert>
        )}
        {invalidCount > 0 && (
          <Alert tone="danger">
            {invalidCount === 1 ? 'One signature is' : `${invalidCount} signatures are`} no longer valid:{' '}
            {r.signatures.some((s) => s.validity === 'chain_mismatch')
              ? 'what is stored disagrees with the audit trail (see each signature below).'
              : 'the stored content does not match what was signed.'}{' '}
            Report this to QA.
          </Alert>
        )}

        <div className="grid items-start gap-4 lg:grid-cols-[3fr_2fr]">
          <Card title={`Content · version ${current.version}`}>
            <DataList
              items={orderedContent(r.kind, current.content).map(([k, v]) => ({
                key: k,
                term: contentLabel(r.kind, k, current.content),
                description: (
                  <span className="break-words whitespace-pre-wrap">{displayValue(r.kind, k, v, current.content) || <span className="text-slate-500">—</span>}</span>
                ),
              }))}
            />
            {r.kind === 'excursion' && excursionChartHref(current.content) && (
              <p className="mt-3 text-sm">
                <a href={excursionChartHref(current.content)!} className="font-medium text-accent-800 underline underline-offset-2" data-testid="excursion-chart-link">
                  Chart of the excursion
                </a>
              </p>
            )}
          </Card>
          <Card title="Record">
            <DataList
              items={[
                { term: 'Number', description: <span className="font-mono">{r.number}</span> },
                { term: 'Kind', description: KIND_CONFIG[r.kind].label },
                { term: 'Status', description: <StatusBadge status={r.status} /> },
                { term: 'Current version', description: `v${r.currentVersion}` },
                {
                  term: 'Content SHA-256',
                  description: (
                    <code className="font-mono text-xs break-all" data-testid="content-hash">
                      {current.contentHash}
                    </code>
                  ),
                },
                { term: 'Created', description: <time dateTime={r.createdAt.toISOString()}>{formatUtc(r.createdAt)}</time> },
                { term: 'Updated', description: <time dateTime={r.updatedAt.toISOString()}>{formatUtc(r.updatedAt)}</time> },
              ]}
            />
          </Card>
        </div>

        <Card
          title="Electronic signatures"
          description="Printed name, meaning and time of each signature (21 CFR 11.50), bound to the content it signed (11.70)."
          actions={
            transitions.length > 0 && (
              <div className="flex flex-wrap gap-2" data-print="hide">
                {transitions.map((t) =>
                  whyNot(t) === null ? (
                    <EsignDialog
                      key={t.name}
                      triggerLabel={t.label}
                      triggerVariant={t.meaning === 'REJECTION' ? 'secondary' : 'primary'}
                      subject={{
                        title: `${r.number} v${r.currentVersion}`,
                        contentHash: current.contentHash,
                        transitionLabel: t.label,
                        contextRef: recordContextRef(r.id, r.currentVersion, t.name),
                      }}
                      meanings={[t.meaning]}
                      requiredMeaning={t.meaning}
                      commentRequired={t.meaning === 'REJECTION'}
                      abbreviated={abbreviated}
                      signer={{ displayName: user.displayName, employeeId: user.employeeId }}
                      action={signRecordAction}
                      hiddenFields={{ recordId: r.id, version: String(r.currentVersion), transition: t.name }}
                    />
                  ) : (
                    <DisabledButton key={t.name} variant={t.meaning === 'REJECTION' ? 'secondary' : 'primary'} reason={whyNot(t)!}>
                      {t.label}
                    </DisabledButton>
                  ),
                )}
              </div>
            )
          }
        >
          <SignatureList signatures={r.signatures} currentVersion={r.currentVersion} />
        </Card>

        {attachments.length > 0 && (
          <Card title="Attached files" description="Kept with their version, append-only; each is named by its SHA-256.">
            <ul className="grid gap-1 text-sm" data-testid="record-attachments">
              {attachments.map((a) => (
                <li key={a.id}>
                  <a href={`/api/records/${r.id}/attachments/${a.id}`} className="font-medium text-accent-800 underline underline-offset-2">
                    {a.filename}
                  </a>{' '}
                  <span className="text-xs text-slate-600">
                    version {a.version} · {Math.max(1, Math.round(a.sizeBytes / 1024))} KiB · <span className="font-mono">SHA-256 {a.sha256}</span>
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        )}

        <Card title="Versions" description="Every change is a new version with its reason; earlier versions are kept unchanged.">
          <VersionsTable versions={r.versions} currentVersion={r.currentVersion} />
        </Card>

        {r.versions.length > 1 && (
          <Card title="Compare versions" id="compare">
            <VersionDiff recordId={r.id} kind={r.kind} versions={r.versions} from={from} to={to} />
          </Card>
        )}

        <Card title="Audit trail" description="Every event on this record, newest first (up to 200).">
          <EntityAuditTable events={r.audit} caption="Audit trail" />
        </Card>
      </div>
    </>
  );
}
