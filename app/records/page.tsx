import type { Metadata } from 'next';
import { DataTable } from '@/components/data-table/data-table';
import { DataTableToolbar } from '@/components/data-table/data-table-toolbar';
import { ButtonLink } from '@/components/ui/button-link';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { pathWithQuery } from '@/lib/http/path-with-query';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { KIND_CONFIG, RECORD_KINDS } from '@/lib/records/kinds';
import { RECORD_STATUSES, STATUS_LABEL } from '@/lib/records/lifecycle';
import { listRecords } from '@/lib/records/list-records';
import { NotPermitted } from '@/app/admin/not-permitted';
import { can } from '@/lib/rbac/require-permission';
import { recordColumns, type TRecordListRow } from './columns';

export const metadata: Metadata = { title: 'Records' };
export const dynamic = 'force-dynamic';

const PARAMS = ['kind', 'status', 'q', 'sort', 'dir', 'page', 'pageSize'] as const;

// The filters a person types or picks, said plainly; other refused parameters (page, sort) keep
// the service's message.
const FILTER_MESSAGE: Record<string, (value: string) => string> = {
  kind: (v) => `Kind “${v}” is not one of the choices. Choose another kind or clear the filters.`,
  status: (v) => `Status “${v}” is not one of the choices. Choose another status or clear the filters.`,
  q: () => 'Search text is too long: use at most 100 characters.',
};

export default async function RecordsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // With its query: after an unlock or a sign-in the view comes back with its filters.
  const user = await requirePageUser(pathWithQuery('/records', await searchParams));
  if (!can(user, 'records.read')) return <NotPermitted title="Records" permission="records.read" />;
  const sp = await searchParams;
  // An empty filter ("any kind") is no filter; the service validates the rest.
  const raw: Record<string, string> = {};
  for (const k of PARAMS) {
    const v = Array.isArray(sp[k]) ? sp[k][0] : sp[k];
    if (typeof v === 'string' && v.trim() !== '') raw[k] = v;
  }

  let result: Awaited<ReturnType<typeof listRecords>> | null = null;
  let error: { message: string; fields: string[] } | null = null;
  try {
    result = await listRecords(getDb(), user, raw);
  } catch (e) {
    if (!isAppError(e) || e.code !== 'BAD_REQUEST') throw e;
    const fields = Object.keys(e.fields ?? {});
    error = { message: FILTER_MESSAGE[fields[0]]?.(raw[fields[0]] ?? '') ?? e.message, fields };
  }

  const rows: TRecordListRow[] = (result?.items ?? []).map((r) => ({ ...r, kindLabel: KIND_CONFIG[r.kind as keyof typeof KIND_CONFIG]?.label ?? r.kind }));
  const filtered = Boolean(raw.kind || raw.status || raw.q);
  return (
    <>
      <PageHeader
        title="Records"
        description="Batch records, deviations, documents and excursions, with their versions and electronic signatures."
        actions={
          can(user, 'records.create') ? (
            <ButtonLink href="/records/new" variant="primary">
              New record
            </ButtonLink>
          ) : (
            <DisabledButton variant="primary" reason="Requires the permission records.create">
              New record
            </DisabledButton>
          )
        }
      />
      <div className="grid gap-3">
        <DataTableToolbar
          action="/records"
          filters={[
            { type: 'search', name: 'q', label: 'Search', value: raw.q, placeholder: 'Number or title' },
            {
              type: 'select',
              name: 'kind',
              label: 'Kind',
              value: raw.kind,
              placeholder: 'Any kind',
              options: RECORD_KINDS.map((k) => ({ value: k, label: KIND_CONFIG[k].label })),
            },
            {
              type: 'select',
              name: 'status',
              label: 'Status',
              value: raw.status,
              placeholder: 'Any status',
              options: RECORD_STATUSES.map((s) => ({ value: s, label: STATUS_LABEL[s] })),
            },
          ]}
          keep={{ sort: result?.query.sort ?? undefined, dir: result?.query.dir ?? undefined, pageSize: raw.pageSize }}
          error={error ?? undefined}
        />
        {result && (
          <DataTable
            caption="Records"
            columns={recordColumns}
            data={rows}
            rowCount={result.total}
            state={{ sort: result.query.sort, dir: result.query.dir, page: result.page, pageSize: result.pageSize }}
            empty={filtered ? 'No records match these filters.' : 'No records yet.'}
          />
        )}
      </div>
    </>
  );
}
