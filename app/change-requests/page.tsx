import type { Metadata } from 'next';
import Link from 'next/link';
import { DataTable } from '@/components/data-table/data-table';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { pathWithQuery } from '@/lib/http/path-with-query';
import { countQueues, listChangeRequests, CR_QUEUES, type TCrQueue } from '@/lib/change-requests/list-change-requests';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { crColumns } from './columns';

export const metadata: Metadata = { title: 'Change requests' };
export const dynamic = 'force-dynamic';

const TAB = 'inline-flex items-center gap-1.5 border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap';

const EMPTY: Record<TCrQueue, string> = {
  waiting: 'Nothing is waiting for your approval.',
  mine: 'You have not requested any change.',
  all: 'No change requests yet.',
};

export default async function ChangeRequestsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // With its query: after an unlock or a sign-in the view comes back with its filters.
  const user = await requirePageUser(pathWithQuery('/change-requests', await searchParams));
  const sp = await searchParams;
  const first = (k: string) => (Array.isArray(sp[k]) ? sp[k][0] : sp[k]);
  const queue: TCrQueue = (CR_QUEUES as readonly string[]).includes(first('queue') ?? '') ? (first('queue') as TCrQueue) : 'waiting';
  const mayReadAll = can(user, 'change_requests.read');

  const db = getDb();
  const counts = await countQueues(db, user);
  let result: Awaited<ReturnType<typeof listChangeRequests>> | null = null;
  let error: string | null = null;
  if (queue === 'all' && !mayReadAll) {
    error = 'Seeing every change request requires the permission change_requests.read.';
  } else {
    try {
      result = await listChangeRequests(db, user, { queue, page: first('page'), pageSize: first('pageSize') });
    } catch (e) {
      if (!isAppError(e) || e.code !== 'BAD_REQUEST') throw e;
      error = e.message;
    }
  }

  const tabs: Array<{ queue: TCrQueue; label: string; count?: number; countLabel?: string; blocked?: string }> = [
    { queue: 'waiting', label: 'Waiting for my approval', count: counts.waiting, countLabel: 'waiting' },
    { queue: 'mine', label: 'My requests', count: counts.mine, countLabel: 'open' },
    { queue: 'all', label: 'All', blocked: mayReadAll ? undefined : 'Requires the permission change_requests.read' },
  ];

  return (
    <>
      <PageHeader
        title="Change requests"
        description="Privileged changes to users and roles wait here for a second person's signed approval (four eyes) before they are applied."
      />
      <nav aria-label="Queues" className="mb-4 flex gap-1 border-b border-slate-200">
        {tabs.map((t) => {
          const current = t.queue === queue;
          const count =
            t.count !== undefined ? (
              <span
                className={[
                  'rounded-full px-1.5 text-xs tabular-nums',
                  current ? 'bg-accent-700 text-white' : t.count > 0 ? 'bg-slate-200 text-slate-800' : 'bg-slate-100 text-slate-600',
                ].join(' ')}
              >
                {t.count}
                <span className="sr-only"> {t.countLabel}</span>
              </span>
            ) : null;
          if (t.blocked) {
            return (
              <span key={t.queue} aria-disabled="true" title={t.blocked} className={`${TAB} cursor-not-allowed border-transparent text-slate-500`}>
                {t.label}
                <span className="sr-only"> ({t.blocked})</span>
              </span>
            );
          }
          return (
            <Link
              key={t.queue}
              href={t.queue === 'waiting' ? '/change-requests' : `/change-requests?queue=${t.queue}`}
              aria-current={current ? 'page' : undefined}
              className={[TAB, current ? 'border-accent-700 text-accent-800' : 'border-transparent text-slate-700 hover:border-slate-300 hover:text-slate-900'].join(' ')}
            >
              {t.label}
              {count}
            </Link>
          );
        })}
      </nav>
      {error ? (
        <Alert tone={queue === 'all' && !mayReadAll ? 'warn' : 'danger'}>{error}</Alert>
      ) : (
        result && (
          <DataTable
            caption={tabs.find((t) => t.queue === queue)!.label}
            columns={crColumns}
            data={result.items}
            rowCount={result.total}
            state={{ sort: 'created', dir: 'desc', page: result.page, pageSize: result.pageSize }}
            empty={EMPTY[queue]}
          />
        )
      )}
    </>
  );
}
