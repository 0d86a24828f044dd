import type { Metadata } from 'next';
import { DataTable } from '@/components/data-table/data-table';
import { DataTableToolbar } from '@/components/data-table/data-table-toolbar';
import { Alert } from '@/components/ui/alert';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { requestDialogContext } from '@/lib/change-requests/dialog-context';
import { CR_KIND_CONFIG, baseApprovals } from '@/lib/change-requests/kinds';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { EVIDENCE_TYPES, IDENTITY_METHODS, IDENTITY_METHOD_LABEL } from '@/lib/users/identity-evidence';
import { listUsers } from '@/lib/users/list-users';
import { RequestChangeDialog } from '@/app/change-requests/request-change-dialog';
import { NotPermitted } from '../not-permitted';
import { userColumns } from './columns';

export const metadata: Metadata = { title: 'Users' };
export const dynamic = 'force-dynamic';

const PARAMS = ['q', 'status', 'role', 'sort', 'dir', 'page', 'pageSize'] as const;

export default async function UsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser('/admin/users');
  if (!can(user, 'users.read')) return <NotPermitted title="Users" permission="users.read" />;
  const sp = await searchParams;
  const raw: Record<string, string> = {};
  for (const k of PARAMS) {
    const v = Array.isArray(sp[k]) ? sp[k][0] : sp[k];
    if (typeof v === 'string' && v.trim() !== '') raw[k] = v;
  }

  let result: Awaited<ReturnType<typeof listUsers>> | null = null;
  let error: { message: string; fields: Record<string, string> } | null = null;
  try {
    result = await listUsers(getDb(), user, raw);
  } catch (e) {
    if (!isAppError(e) || e.code !== 'BAD_REQUEST') throw e;
    error = { message: e.message, fields: e.fields ?? {} };
    // The filter is wrong, not the page: still offer the role names.
    result = null;
  }
  const roleNames = result?.roleNames ?? (await listUsers(getDb(), user, {})).roleNames;
  const dialog = await requestDialogContext(getDb(), user);
  const createRule = CR_KIND_CONFIG['user.create'].approvals;
  const filtered = Boolean(raw.q || raw.status || raw.role);

  return (
    <>
      <PageHeader
        title="Users"
        description="Accounts, their roles and state. Every change to an account is a change request approved by someone else."
        actions={
          can(user, 'users.create') && can(user, 'roles.manage') ? (
            <RequestChangeDialog
              triggerLabel={dialog.commission ? 'Provision new user' : 'Request new user'}
              triggerVariant="primary"
              title={dialog.commission ? 'Provision a new user (commissioning)' : 'Request a new user'}
              kind="user.create"
              approvals={baseApprovals('user.create')}
              raisedBy={{ field: 'roles', values: dialog.administrativeRoles, why: 'why' in createRule ? createRule.why : '' }}
              commission={dialog.commission ?? undefined}
              fields={[
                { type: 'text', name: 'employeeId', label: 'Employee ID', required: true, hint: '2–64 letters, digits, dot, dash or underscore' },
                { type: 'text', name: 'displayName', label: 'Full name', required: true, hint: 'Printed with every signature of this person' },
                { type: 'email', name: 'email', label: 'Email' },
                { type: 'checkboxes', name: 'roles', label: 'Roles', options: roleNames.map((r) => ({ value: r, label: r })) },
                {
                  type: 'select',
                  name: 'identity.method',
                  label: 'How identity was verified',
                  required: true,
                  placeholder: 'Choose how (21 CFR 11.100(b))',
                  options: IDENTITY_METHODS.map((m) => ({ value: m, label: IDENTITY_METHOD_LABEL[m] })),
                },
                { type: 'text', name: 'identity.reference', label: 'Verification reference', required: true, hint: 'e.g. the HR record or document number' },
                { type: 'text', name: 'identity.verifiedBy', label: "Verifier's name", required: true, hint: 'The person who checked the identity' },
                { type: 'file', name: 'evidence', label: 'Evidence (optional)', accept: EVIDENCE_TYPES.join(','), multiple: true, hint: 'PDF, PNG or JPEG, up to 5 MiB each; kept with its SHA-256' },
              ]}
            />
          ) : (
            <DisabledButton
              variant="primary"
              reason={can(user, 'users.create') ? 'Requires the permission roles.manage (a new user is given roles)' : 'Requires the permission users.create'}
            >
              Request new user
            </DisabledButton>
          )
        }
      />
      <div className="grid gap-3">
        <DataTableToolbar
          action="/admin/users"
          filters={[
            { type: 'search', name: 'q', label: 'Search', value: raw.q, placeholder: 'Employee ID, name or email' },
            {
              type: 'select',
              name: 'status',
              label: 'Status',
              value: raw.status,
              placeholder: 'Any status',
              options: [
                { value: 'active', label: 'Active' },
                { value: 'locked', label: 'Locked' },
                { value: 'disabled', label: 'Disabled' },
              ],
            },
            { type: 'select', name: 'role', label: 'Role', value: raw.role, placeholder: 'Any role', options: roleNames.map((r) => ({ value: r, label: r })) },
          ]}
          keep={{ sort: result?.query.sort, dir: result?.query.dir, pageSize: raw.pageSize }}
          errors={error?.fields}
        />
        {error ? (
          <Alert tone="danger">{error.message}. Correct the filter or clear it.</Alert>
        ) : (
          result && (
            <DataTable
              caption="Users"
              columns={userColumns}
              data={result.items}
              rowCount={result.total}
              state={{ sort: result.query.sort, dir: result.query.dir, page: result.page, pageSize: result.pageSize }}
              empty={filtered ? 'No users match these filters.' : 'No users yet.'}
            />
          )
        )}
      </div>
    </>
  );
}
