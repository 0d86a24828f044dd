import type { Metadata } from 'next';
import { NotPermitted } from '@/app/admin/not-permitted';
import { AuditFilters, FILTER_LABELS } from '@/components/audit/audit-filters';
import { AuditTable, type TPageLink } from '@/components/audit/audit-table';
import { contextRefText, entityText } from '@/components/audit/event-details';
import { entityRefs } from '@/lib/audit/entity-refs';
import { ExportPanel } from '@/components/audit/export-panel';
import { VerifyChainPanel } from '@/components/audit/verify-chain-panel';
import { hrefWith } from '@/components/data-table/url-state';
import { Alert } from '@/components/ui/alert';
import { buttonClassName } from '@/components/ui/button-link';
import { PageHeader } from '@/components/ui/page-header';
import { FILTER_KEYS, filterToQuery, parseAuditFilter } from '@/lib/audit/audit-filter';
import { formatFilter } from '@/lib/audit/export/format-filter';
import { unfinishedExports } from '@/lib/audit/export/export-completion';
import { chainParam } from '@/lib/audit/chain-param';
import { defaultChainId } from '@/lib/audit/chain-id';
import { listAuditChains } from '@/lib/audit/list-audit-chains';
import { queryAudit, type TAuditPage } from '@/lib/audit/query-audit';
import { isAppError } from '@/lib/errors/app-error';
import { loadServerKey } from '@/lib/audit/server-key';
import { requirePageUser } from '@/lib/auth/require-user';
import { pathWithQuery } from '@/lib/http/path-with-query';
import { getDb } from '@/lib/db/client';
import { can } from '@/lib/rbac/require-permission';
import { auditColumns } from './columns';

export const metadata: Metadata = { title: 'Audit trail' };
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;
type TSearchParams = Record<string, string | string[] | undefined>;

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** A keyset cursor from the address: a seq, or an error naming the parameter. */
function cursor(sp: TSearchParams, name: 'before' | 'after'): bigint | undefined | { field: string; message: string } {
  const v = first(sp[name])?.trim();
  if (!v) return undefined;
  return /^\d{1,18}$/.test(v) ? BigInt(v) : { field: name, message: `${name} must be a whole number` };
}

function keyIdOrNull(): string | null {
  try {
    return loadServerKey()?.keyId ?? null;
  } catch {
    return null; // an unreadable key file: the exports say so; the page still renders
  }
}

export default async function AuditPage({ searchParams }: { searchParams: Promise<TSearchParams> }) {
  // With its query: after an unlock or a sign-in the view comes back with its filters.
  const user = await requirePageUser(pathWithQuery('/audit', await searchParams));
  if (!can(user, 'audit.read')) return <NotPermitted title="Audit trail" permission="audit.read" />;
  const sp = await searchParams;
  const values = Object.fromEntries(FILTER_KEYS.map((k) => [k, first(sp[k]) ?? ''])) as Record<(typeof FILTER_KEYS)[number], string>;
  const dir = first(sp.dir) === 'asc' ? 'asc' : 'desc';

  // An invalid value is the person's input, not a server fault: the page says which field is
  // wrong (the export endpoint would answer 400 for the same filter).
  const parsed = parseAuditFilter(sp);
  let chainId = defaultChainId();
  let chainError: { field: string; message: string } | null = null;
  try {
    chainId = chainParam(first(sp.chain));
  } catch (e) {
    if (!isAppError(e)) throw e;
    chainError = { field: 'chain', message: e.message };
  }
  const chains = await listAuditChains(getDb(), user);
  // 11.10(b): exports that started and have no completion in the chain (running, or stopped).
  const unfinished = await unfinishedExports(getDb());
  const before = cursor(sp, 'before');
  const after = cursor(sp, 'after');
  const error = !parsed.ok ? parsed : chainError ?? (typeof before === 'object' ? before : typeof after === 'object' ? after : null);

  let page: TAuditPage | null = null;
  if (parsed.ok && !error) {
    page = await queryAudit(getDb(), user, {
      filter: parsed.filter,
      chainId,
      before: before as bigint | undefined,
      after: after as bigint | undefined,
      dir,
      limit: PAGE_SIZE,
    });
  }

  // The address of the current page without the form's empty fields: links stay readable.
  const current = new URLSearchParams(Object.entries(sp).flatMap(([k, v]) => (first(v) ? [[k, first(v)!]] : [])));
  const atStart = before === undefined && after === undefined;
  const pageHref = (changes: Record<string, string | null>) => hrefWith('/audit', current, changes);
  const links: TPageLink[] =
    dir === 'desc'
      ? [
          { label: 'Newest', href: atStart ? null : pageHref({ before: null, after: null }) },
          { label: '← Newer', href: page?.newer ? pageHref({ after: page.newer, before: null }) : null, rel: 'prev' },
          { label: 'Older →', href: page?.older ? pageHref({ before: page.older, after: null }) : null, rel: 'next' },
        ]
      : [
          { label: 'Oldest', href: atStart ? null : pageHref({ before: null, after: null }) },
          { label: '← Older', href: page?.older ? pageHref({ before: page.older, after: null }) : null, rel: 'prev' },
          { label: 'Newer →', href: page?.newer ? pageHref({ after: page.newer, before: null }) : null, rel: 'next' },
        ];
  const seqs = (page?.rows ?? []).map((r) => BigInt(r.seq));
  // BR-000005 rather than Record:<uuid>; the UUID stays on hover and in the detail.
  const refs = page ? await entityRefs(getDb(), user, page.rows) : {};
  const lo = seqs.reduce<bigint | null>((a, b) => (a === null || b < a ? b : a), null);
  const hi = seqs.reduce<bigint | null>((a, b) => (a === null || b > a ? b : a), null);
  const range = lo === null ? 'No events on this page' : lo === hi ? `Seq ${lo} · 1 event` : `Seq ${lo} – ${hi} · ${seqs.length} events`;
  const summary = page ? `${range} · chain head seq ${page.headSeq}` : '';
  const filter = parsed.ok ? parsed.filter : {};
  const filtered = Object.keys(filterToQuery(filter)).length > 0;
  const label = error ? (FILTER_LABELS[error.field as keyof typeof FILTER_LABELS] ?? (error.field === 'chain' ? 'Chain' : 'Page cursor')) : '';
  const errorText = error ? (error.message.startsWith(`${error.field} `) ? error.message.slice(error.field.length + 1) : error.message) : '';

  return (
    <>
      <PageHeader
        title="Audit trail"
        description="Every change, signature and sign-in, in the order it was recorded. Each event is linked to the one before it by a SHA-256 hash, so any edit, deletion or reordering is detected."
        actions={
          <>
            {!error && (
              <a href="#audit-export" className={buttonClassName('ghost', 'sm')}>
                Export <span aria-hidden="true">↓</span>
              </a>
            )}
            <a href="#audit-verify" className={buttonClassName('ghost', 'sm')}>
              Verify chain <span aria-hidden="true">↓</span>
            </a>
          </>
        }
      />
      <div className="grid gap-3">
        {chains.length > 1 && (
          <nav aria-label="Audit chains" className="flex flex-wrap items-center gap-2 text-sm" data-print="hide">
            <span className="text-slate-600">Chain:</span>
            {chains.map((c) => (
              <a
                key={c.chainId}
                href={c.chainId === defaultChainId() ? '/audit' : `/audit?chain=${encodeURIComponent(c.chainId)}`}
                aria-current={c.chainId === chainId ? 'page' : undefined}
                className={['rounded-md px-2 py-0.5 ring-1 ring-inset', c.chainId === chainId ? 'bg-slate-900 text-white ring-slate-900' : 'text-slate-700 ring-slate-300 hover:bg-slate-50'].join(' ')}
              >
                {c.chainId} <span className="tabular-nums opacity-75">({c.headSeq})</span>
              </a>
            ))}
          </nav>
        )}
        {unfinished.length > 0 && (
          <Alert tone="warn">
            <strong className="font-semibold">
              {unfinished.length} export{unfinished.length === 1 ? '' : 's'} started without a recorded completion
            </strong>{' '}
            (still running, stopped midway, or a completion waiting for its retry):{' '}
            {unfinished
              .slice(0, 5)
              .map((u) => `${u.format ?? 'export'} by ${u.actorId} at ${u.startedAt.toISOString().slice(0, 19).replace('T', ' ')} UTC (seq ${u.seq})`)
              .join('; ')}
            {unfinished.length > 5 ? '; …' : ''}
          </Alert>
        )}
        <AuditFilters values={values} dir={dir} errorField={error?.field} errorText={errorText} chain={chainId === defaultChainId() ? undefined : chainId} />
        {error ? (
          <Alert tone="danger">
            <strong className="font-semibold">Invalid filter — {label}:</strong> {errorText}. Correct it or clear the filter.
          </Alert>
        ) : (
          page && (
            <AuditTable
              columns={auditColumns}
              rows={page.rows.map((r) => ({ ...r, id: r.seq, entityLabel: entityText(r.entityType, r.entityId, refs), contextLabel: contextRefText(r.contextRef, refs) }))}
              dir={dir}
              links={links}
              summary={summary}
              empty={filtered ? 'No events match this filter.' : 'No events on this page.'}
            />
          )
        )}
        <div className="grid items-start gap-3 lg:grid-cols-2">
          {!error && (
            <ExportPanel
              query={new URLSearchParams({ ...(chainId === defaultChainId() ? {} : { chain: chainId }), ...filterToQuery(filter) }).toString()}
              filterText={formatFilter(filterToQuery(filter))}
              canExport={can(user, 'audit.export')}
              keyId={can(user, 'audit.export') ? keyIdOrNull() : null}
            />
          )}
          <VerifyChainPanel canVerify={can(user, 'audit.verify')} chain={chainId === defaultChainId() ? undefined : chainId} />
        </div>
      </div>
    </>
  );
}
