import type { Metadata } from 'next';
import { Badge } from '@/components/ui/badge';
import { DisabledButton } from '@/components/ui/disabled-button';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { requestDialogContext } from '@/lib/change-requests/dialog-context';
import { baseApprovals } from '@/lib/change-requests/kinds';
import { getDb } from '@/lib/db/client';
import { PERMISSIONS, isServiceOnly } from '@/lib/rbac/permissions';
import { listRoles } from '@/lib/rbac/list-roles';
import { can } from '@/lib/rbac/require-permission';
import { RequestChangeDialog } from '@/app/change-requests/request-change-dialog';
import { NotPermitted } from '../not-permitted';

export const metadata: Metadata = { title: 'Roles' };
export const dynamic = 'force-dynamic';

// Service-only permissions (telemetry.ingest) are never a role's.
const ROLE_PERMISSIONS = PERMISSIONS.filter((p) => !isServiceOnly(p));
const PERMISSION_OPTIONS = ROLE_PERMISSIONS.map((p) => ({ value: p, label: p }));

/** Permissions grouped by resource, in the order of lib/rbac/permissions.ts. */
const GROUPS: Array<[string, string[]]> = [];
for (const p of ROLE_PERMISSIONS) {
  const g = p.split('.')[0];
  const last = GROUPS.at(-1);
  if (last?.[0] === g) last[1].push(p);
  else GROUPS.push([g, [p]]);
}

export default async function RolesPage() {
  const user = await requirePageUser('/admin/roles');
  if (!can(user, 'roles.read')) return <NotPermitted title="Roles" permission="roles.read" />;
  const roles = await listRoles(getDb(), user);
  const mayManage = can(user, 'roles.manage');
  const { commission } = await requestDialogContext(getDb(), user);
  const noManage = 'Requires the permission roles.manage';

  return (
    <>
      <PageHeader
        title="Roles"
        description="What each role may do. Changing a role's permissions, or creating a role, is a change request that two other people approve."
        actions={
          mayManage ? (
            <RequestChangeDialog
              triggerLabel="Request new role"
              triggerVariant="primary"
              title="Request a new role"
              kind="role.create"
              approvals={baseApprovals('role.create')}
              commission={commission ?? undefined}
              fields={[
                { type: 'text', name: 'name', label: 'Name', required: true },
                { type: 'textarea', name: 'description', label: 'Description', hint: 'What the role is for' },
                { type: 'checkboxes', name: 'permissions', label: 'Permissions', options: PERMISSION_OPTIONS, grouped: true },
              ]}
            />
          ) : (
            <DisabledButton variant="primary" reason={noManage}>
              Request new role
            </DisabledButton>
          )
        }
      />
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-xs">
        <table className="w-full border-collapse text-sm">
          <caption className="sr-only">Permissions (rows) granted to each role (columns)</caption>
          <thead className="border-b border-slate-200 bg-slate-50 text-xs text-slate-600">
            <tr>
              <th scope="col" className="px-3 py-2 text-left align-top font-medium">
                Permission
              </th>
              {roles.map((r) => (
                <th key={r.id} scope="col" className="px-2 py-2 text-center align-top font-medium" title={r.description || undefined}>
                  <div className="font-semibold text-slate-900">{r.name}</div>
                  <div className="font-normal tabular-nums">
                    {r.userCount} {r.userCount === 1 ? 'user' : 'users'}
                    {!r.builtIn && ' · custom'}
                  </div>
                  {r.pendingRequests > 0 && (
                    <Badge tone="warn" className="mt-1 whitespace-nowrap">
                      {r.pendingRequests} pending
                    </Badge>
                  )}
                </th>
              ))}
            </tr>
          </thead>
          {GROUPS.map(([group, permissions]) => (
            <tbody key={group} className="border-b border-slate-200 last:border-b-0">
              <tr className="bg-slate-50/60">
                <th scope="colgroup" colSpan={roles.length + 1} className="px-3 pt-2 pb-1 text-left text-[11px] font-semibold tracking-wide text-slate-600 uppercase">
                  {group.replace('_', ' ')}
                </th>
              </tr>
              {permissions.map((p) => (
                <tr key={p} className="hover:bg-slate-50">
                  <th scope="row" className="px-3 py-1 text-left font-mono text-xs font-normal text-slate-800">
                    {p}
                  </th>
                  {roles.map((r) => (
                    <td key={r.id} className="px-2 py-1 text-center">
                      {r.permissions.includes(p) ? (
                        <>
                          <span aria-hidden="true" className="font-semibold text-accent-700">
                            ✓
                          </span>
                          <span className="sr-only">granted</span>
                        </>
                      ) : (
                        <>
                          <span aria-hidden="true" className="text-slate-300">
                            ·
                          </span>
                          <span className="sr-only">not granted</span>
                        </>
                      )}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          ))}
          <tfoot className="border-t border-slate-200 bg-slate-50" data-print="hide">
            <tr>
              <th scope="row" className="px-3 py-2 text-left text-xs font-medium text-slate-600">
                Request a change
              </th>
              {roles.map((r) => (
                <td key={r.id} className="px-2 py-2 text-center">
                  {mayManage ? (
                    <RequestChangeDialog
                      triggerLabel="Change…"
                      triggerSize="sm"
                      triggerAriaLabel={`Request permission change for ${r.name}`}
                      title={`Request permission change: ${r.name}`}
                      subject={r.description || undefined}
                      kind="role.update_permissions"
                      targetRoleId={r.id}
                      approvals={baseApprovals('role.update_permissions')}
                      commission={commission ?? undefined}
                      fields={[
                        {
                          type: 'checkboxes',
                          name: 'permissions',
                          label: 'Permissions after the change',
                          hint: 'Ticked permissions are granted; the request shows what is added and removed.',
                          options: PERMISSION_OPTIONS,
                          defaultValue: r.permissions,
                          grouped: true,
                        },
                      ]}
                    />
                  ) : (
                    <DisabledButton size="sm" reason={noManage}>
                      Change…
                    </DisabledButton>
                  )}
                </td>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
    </>
  );
}
