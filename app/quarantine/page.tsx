import type { Metadata } from 'next';
import { DataTable } from '@/components/data-table/data-table';
import { DataTableToolbar } from '@/components/data-table/data-table-toolbar';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { pathWithQuery } from '@/lib/http/path-with-query';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { listQuarantine } from '@/lib/telemetry/list-quarantine';
import { NotPermitted } from '@/app/admin/not-permitted';
import { quarantineColumns } from './columns';
import { QUARANTINE_STATUS_OPTIONS, REASON_LABEL } from './status-badge';

export const metadata: Metadata = { title: 'Quarantine' };
export const dynamic = 'force-dynamic';

const PARAMS = ['status', 'reason', 'dir', 'page', 'pageSize'] as const;

export default async function QuarantinePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // With its query: after an unlock or a sign-in the view comes back with its filters.
  const user = await requirePageUser(pathWithQuery('/quarantine', await searchParams));
  if (!can(user, 'quarantine.read')) return <NotPermitted title="Quarantine" permission="quarantine.read" />;
  const sp = await searchParams;
  const raw: Record<string, string> = {};
  for (const k of PARAMS) {
    const v = Array.isArray(sp[k]) ? sp[k][0] : sp[k];
    if (typeof v === 'string' && v.trim() !== '') raw[k] = v;
  }

  let result: Awaited<ReturnType<typeof listQuarantine>> | null = null;
  let error: { message: string; fields: string[] } | null = null;
  try {
    result = await listQuarantine(getDb(), user, raw);
  } catch (e) {
    if (!isAppError(e) || e.code !== 'BAD_REQUEST') throw e;
    const fields = Object.keys(e.fields ?? {});
    error = { message: `${e.message}. Choose another filter or clear the filters.`, fields };
  }
  const reasons = result?.reasons ?? (await listQuarantine(getDb(), user, {})).reasons;
  const filtered = Boolean(raw.status || raw.reason);

  return (
    <>
      <PageHeader
        title="Quarantine"
        description="Every message that was not accepted, sealed as it arrived: its bytes and hash never change. A manager re-injects it (e.g. once the device is registered) or discards it, with a reason."
      />
      <div className="grid gap-3">
        <DataTableToolbar
          action="/quarantine"
          filters={[
            { type: 'select', name: 'status', label: 'Status', value: raw.status, placeholder: 'Any status', options: QUARANTINE_STATUS_OPTIONS },
            {
              type: 'select',
              name: 'reason',
              label: 'Reason',
              value: raw.reason,
              placeholder: 'Any reason',
              options: reasons.map((r) => ({ value: r, label: REASON_LABEL[r] ?? r })),
            },
          ]}
          keep={{ dir: raw.dir, pageSize: raw.pageSize }}
          error={error ?? undefined}
        />
        {result && (
          <DataTable
            caption="Quarantined messages"
            columns={quarantineColumns}
            data={result.items}
            rowCount={result.total}
            state={{ sort: 'received', dir: result.query.dir, page: result.page, pageSize: result.pageSize }}
            empty={filtered ? 'No quarantined message matches these filters.' : 'Nothing is in quarantine.'}
          />
        )}
      </div>
    </>
  );
}
