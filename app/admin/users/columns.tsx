'use client';

import Link from 'next/link';
import { dataTableColumnHelper } from '@/components/data-table/features';
import { UtcTime } from '@/components/ui/utc-time';
import type { TUserRow } from '@/lib/users/list-users';
import { UserStatus } from './user-status';

const col = dataTableColumnHelper<TUserRow>();

// Column ids of sortable columns are the list's sort keys (lib/users/list-users.ts).
export const userColumns = col.columns([
  col.accessor('employeeId', {
    id: 'employeeId',
    header: 'Employee ID',
    cell: (c) => (
      <Link href={`/admin/users/${c.row.original.id}`} className="font-mono text-xs font-medium text-accent-800 underline-offset-2 hover:underline">
        {c.getValue()}
      </Link>
    ),
    meta: { className: 'w-36 whitespace-nowrap' },
  }),
  col.accessor('displayName', {
    id: 'name',
    header: 'Name',
    cell: (c) => (
      <div className="leading-tight">
        <div>{c.getValue()}</div>
        {c.row.original.email && <div className="text-xs text-slate-600">{c.row.original.email}</div>}
      </div>
    ),
    meta: { className: 'min-w-48' },
  }),
  col.accessor('status', {
    id: 'status',
    header: 'Status',
    enableSorting: false,
    cell: (c) => <UserStatus status={c.getValue()} locked={c.row.original.locked} />,
    meta: { className: 'whitespace-nowrap' },
  }),
  col.accessor('roles', {
    id: 'roles',
    header: 'Roles',
    enableSorting: false,
    cell: (c) => (c.getValue().length ? c.getValue().join(', ') : <span className="text-slate-500">No role</span>),
    meta: { className: 'text-slate-700' },
  }),
  col.accessor('lastSignInAt', {
    id: 'lastSignIn',
    header: 'Last sign-in (UTC)',
    sortDescFirst: true,
    cell: (c) => {
      return <UtcTime iso={c.getValue()} className="whitespace-nowrap text-slate-700 tabular-nums" />;
    },
    meta: { className: 'w-40' },
  }),
]);
