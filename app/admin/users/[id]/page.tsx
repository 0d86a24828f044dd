import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { ReactNode } from 'react';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { requestDialogContext, type TRequestDialogContext } from '@/lib/change-requests/dialog-context';
import { CR_KIND_CONFIG, baseApprovals, type TCrKind } from '@/lib/change-requests/kinds';
import { getDb } from '@/lib/db/client';
import { formatUtc } from '@/lib/esign/manifestation';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { getUser, type TUserView } from '@/lib/users/get-user';
import { IDENTITY_METHOD_LABEL } from '@/lib/users/identity-labels';
import { EntityAuditTable } from '@/components/audit/entity-audit-table';
import { RequestChangeDialog, type TRequestField } from '@/app/change-requests/request-change-dialog';
import { NotPermitted } from '../../not-permitted';
import { UserStatus } from '../user-status';

export const metadata: Metadata = { title: 'User' };
export const dynamic = 'force-dynamic';

export default async function UserPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const viewer = await requirePageUser(`/admin/users/${id}`);
  if (!can(viewer, 'users.read')) return <NotPermitted title="User" permission="users.read" />;
  let u: TUserView;
  try {
    u = await getUser(getDb(), viewer, id);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
  const when = (d: Date | null) => (d ? <time dateTime={d.toISOString()}>{formatUtc(d)}</time> : <span className="text-slate-500">Never</span>);

  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-2 text-xs text-slate-600">
        <Link href="/admin/users" className="font-medium text-accent-800 underline-offset-2 hover:underline">
          Users
        </Link>{' '}
        / <span className="font-mono">{u.employeeId}</span>
      </nav>
      <PageHeader title={u.displayName} description={<span className="font-mono">{u.employeeId}</span>} actions={<UserStatus status={u.status} locked={u.locked} />} />
      <div className="grid items-start gap-4 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="grid gap-4">
          <Card title="Account">
            <DataList
              items={[
                { term: 'Employee ID', description: <span className="font-mono">{u.employeeId}</span> },
                { term: 'Name', description: u.displayName },
                { term: 'Email', description: u.email ?? <span className="text-slate-500">None</span> },
                { term: 'Status', description: <UserStatus status={u.status} locked={u.locked} /> },
                { term: 'Locked since', key: 'locked', description: u.lockedAt ? when(u.lockedAt) : <span className="text-slate-500">Not locked</span> },
                { term: 'Failed sign-in attempts', description: <span className="tabular-nums">{u.failedAttempts}</span> },
                { term: 'Roles', description: u.roles.length ? u.roles.join(', ') : <span className="text-slate-500">No role</span> },
                { term: 'Last sign-in', description: when(u.lastSignInAt) },
                { term: 'Open sessions', description: <span className="tabular-nums">{u.openSessions}</span> },
                { term: 'Two-factor authentication', description: u.mfaEnabled ? 'Enrolled' : 'Not enrolled' },
                { term: 'Must change password', description: u.mustChangePassword ? 'Yes, at next sign-in' : 'No' },
                {
                  term: 'Identity verified',
                  description: u.identity ? (
                    <span data-testid="user-identity">
                      {IDENTITY_METHOD_LABEL[u.identity.method as keyof typeof IDENTITY_METHOD_LABEL] ?? u.identity.method}: {u.identity.reference}, by{' '}
                      {u.identity.verifiedBy} ({u.identity.changeRequest}
                      {u.identity.evidence?.length ? `; ${u.identity.evidence.length} evidence file${u.identity.evidence.length > 1 ? 's' : ''}` : ''})
                    </span>
                  ) : (
                    'Not recorded (account created before identity verification was recorded, or at first start)'
                  ),
                },
                { term: 'Created', description: when(u.createdAt) },
              ]}
            />
          </Card>
          <Card title="Recent audit events" description="Newest first; the change requests about this user have their own trail.">
            <EntityAuditTable events={u.audit} caption={`Recent audit events for ${u.employeeId}`} />
          </Card>
        </div>
        <div className="grid gap-4">
          <Card title="Request a change" description="Each request needs a reason and someone else's signed approval.">
            <RequestActions viewer={viewer} u={u} dialog={await requestDialogContext(getDb(), viewer)} />
          </Card>
          <Card title="Pending change requests" description="Submitted for this user, waiting for approval.">
            {u.pendingRequests.length === 0 ? (
              <p className="text-sm text-slate-600">None.</p>
            ) : (
              <ul className="divide-y divide-slate-100 text-sm">
                {u.pendingRequests.map((c) => (
                  <li key={c.id} className="flex items-baseline justify-between gap-3 py-1.5 first:pt-0 last:pb-0">
                    <div className="min-w-0">
                      <Link href={`/change-requests/${c.id}`} className="font-mono text-xs font-medium text-accent-800 underline-offset-2 hover:underline">
                        {c.number}
                      </Link>{' '}
                      {c.kindLabel}
                      <div className="text-xs text-slate-600">
                        by {c.requesterName} · {formatUtc(c.createdAt)}
                      </div>
                    </div>
                    <span className="shrink-0 text-xs text-slate-700 tabular-nums">{c.approvals} approvals</span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}

/** One button per kind of change: usable, or disabled with the reason (a missing permission or the account's state). */
function RequestActions({ viewer, u, dialog }: { viewer: TCurrentUser; u: TUserView; dialog: TRequestDialogContext }) {
  const subject = `${u.displayName} (${u.employeeId})`;
  const assignable = u.allRoles.filter((r) => !u.roles.includes(r));
  const item = (kind: TCrKind, label: string, opts: { blocked?: string | null; fields?: TRequestField[]; hidden?: Record<string, string> } = {}): ReactNode => {
    const permission = CR_KIND_CONFIG[kind].permission;
    const reason = !can(viewer, permission) ? `Requires the permission ${permission}` : (opts.blocked ?? null);
    return (
      <li key={kind}>
        {reason ? (
          <DisabledButton reason={reason}>
            {label}
          </DisabledButton>
        ) : (
          <RequestChangeDialog
            triggerLabel={label}
            title={`Request: ${CR_KIND_CONFIG[kind].label.toLowerCase()}`}
            subject={subject}
            kind={kind}
            targetUserId={u.id}
            fields={opts.fields}
            hidden={opts.hidden}
            approvals={kind === 'user.enable' && u.roles.some((r) => dialog.administrativeRoles.includes(r)) ? 2 : baseApprovals(kind)}
            raisedBy={
              kind === 'user.assign_role' ? { field: 'role', values: dialog.administrativeRoles, why: 'the role holds administrative permissions' } : undefined
            }
            commission={dialog.commission && CR_KIND_CONFIG[kind].commissionable ? dialog.commission : undefined}
          />
        )}
      </li>
    );
  };
  return (
    <ul className="flex flex-wrap gap-2">
      {item('user.update', 'Change name or email', {
        fields: [
          { type: 'text', name: 'displayName', label: 'Full name', required: true, defaultValue: u.displayName },
          { type: 'email', name: 'email', label: 'Email', defaultValue: u.email ?? '' },
        ],
        hidden: { 'original.displayName': u.displayName, 'original.email': u.email ?? '' },
      })}
      {item('user.assign_role', 'Assign role', {
        blocked: assignable.length ? null : 'The user holds every role',
        fields: [{ type: 'select', name: 'role', label: 'Role', required: true, placeholder: 'Choose a role', options: assignable.map((r) => ({ value: r, label: r })) }],
      })}
      {item('user.remove_role', 'Remove role', {
        blocked: u.roles.length ? null : 'The user has no role',
        fields: [{ type: 'select', name: 'role', label: 'Role', required: true, placeholder: 'Choose a role', options: u.roles.map((r) => ({ value: r, label: r })) }],
      })}
      {item('user.unlock', 'Unlock', { blocked: u.locked ? null : 'The account is not locked' })}
      {item('user.reset_password', 'Reset password')}
      {u.status === 'disabled' ? item('user.enable', 'Re-enable') : item('user.disable', 'Disable')}
    </ul>
  );
}
