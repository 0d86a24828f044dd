import { describe, expect, it } from 'vitest';
import { requestAuthority, type TAuthorityFacts } from '@/lib/change-requests/authority';
import { CR_KINDS, CR_KIND_CONFIG, baseApprovals, maxApprovals } from '@/lib/change-requests/kinds';
import { BUILTIN_ROLE_PERMISSIONS } from '@/lib/rbac/builtin-roles';
import { isAdministrative } from '@/lib/rbac/permissions';

const facts = (roles: Record<string, readonly string[]> = BUILTIN_ROLE_PERMISSIONS, targetPermissions: string[] = []): TAuthorityFacts => ({
  rolePermissions: new Map(Object.entries(roles)),
  targetPermissions,
});

describe('what a change request needs (lib/change-requests/authority.ts)', () => {
  it('[4-eyes] one approver for creating, renaming, disabling, unlocking, resetting, curricula and service accounts; two for privilege, roles, devices, broker and restore', () => {
    const table = Object.fromEntries(CR_KINDS.map((k) => [k, [baseApprovals(k), maxApprovals(k)]]));
    expect(table).toEqual({
      'user.create': [1, 2],
      'user.update': [1, 1],
      'user.assign_role': [1, 2],
      'user.remove_role': [1, 1],
      'user.disable': [1, 1],
      'user.enable': [1, 2],
      'user.unlock': [1, 1],
      'user.reset_password': [1, 1],
      'role.create': [2, 2],
      'role.update_permissions': [2, 2],
      'backup.restore': [2, 2],
      'device.register': [2, 2],
      'device.rotate_key': [2, 2],
      'device.set_certificate': [2, 2],
      'broker.apply': [2, 2],
      'training.curriculum': [1, 1],
      // A service account never holds a signing or administrative scope (lib/service-accounts/scopes.ts).
      'service_account.create': [1, 1],
      'service_account.rotate_key': [1, 1],
      'service_account.update_scopes': [1, 1],
      'service_account.disable': [1, 1],
    });
  });

  it('[11.10(g)] creating a user with roles needs users.create and roles.manage; two approvers only when a role is administrative', () => {
    const op = requestAuthority('user.create', { roles: ['Operator'] }, facts());
    expect(op).toEqual({ permissions: ['roles.manage', 'users.create'], approvals: 1, why: null });
    const adm = requestAuthority('user.create', { roles: ['Operator', 'Administrator'] }, facts());
    expect(adm.approvals).toBe(2);
    expect(adm.why).toContain('administrative');
    // QA Approver holds change_requests.approve and quarantine.manage: administrative.
    expect(requestAuthority('user.create', { roles: ['QA Approver'] }, facts()).approvals).toBe(2);
    expect(requestAuthority('user.create', { roles: ['QA Reviewer'] }, facts()).approvals).toBe(1);
  });

  it('[11.10(g)] assigning follows the role\'s permissions as the database holds them now (a custom role too)', () => {
    const custom = facts({ Harmless: ['records.read'], Sneaky: ['records.read', 'roles.manage'] });
    expect(requestAuthority('user.assign_role', { role: 'Harmless' }, custom)).toMatchObject({ permissions: ['roles.manage'], approvals: 1 });
    expect(requestAuthority('user.assign_role', { role: 'Sneaky' }, custom).approvals).toBe(2);
    expect(requestAuthority('user.remove_role', { role: 'Sneaky' }, custom).approvals).toBe(1);
  });

  it('[4-eyes] re-enabling needs two approvers when the user holds an administrative permission', () => {
    expect(requestAuthority('user.enable', {}, facts({}, ['records.read'])).approvals).toBe(1);
    expect(requestAuthority('user.enable', {}, facts({}, ['users.create'])).approvals).toBe(2);
  });

  it('[11.10(g)] every kind requires its own permission; administrative permissions are those that change people, privileges or the system', () => {
    for (const k of CR_KINDS) expect(requestAuthority(k, {}, facts()).permissions).toContain(CR_KIND_CONFIG[k].permission);
    expect(['users.read', 'roles.manage', 'devices.manage', 'change_requests.approve', 'site.commission'].every(isAdministrative)).toBe(true);
    expect(['records.read', 'records.sign_approval', 'audit.export', 'telemetry.read'].some(isAdministrative)).toBe(false);
  });
});
