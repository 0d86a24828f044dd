import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import type pg from 'pg';
import { expect, test, type TE2eUser } from '../fixtures';

// The built-in Administrator role must enrol TOTP at first sign-in; this spec is about four
// eyes, so A, B and C hold a custom role with just the permissions the flow needs. It is
// inserted straight into the test database: creating a role through the app is itself a
// four-eyes change.
const ADMIN_PERMISSIONS = ['users.read', 'users.update', 'roles.read', 'roles.manage', 'change_requests.read', 'change_requests.approve'];

async function createAdminRole(pool: pg.Pool): Promise<string> {
  const name = `E2E user admin ${randomBytes(3).toString('hex')}`;
  const { rows } = await pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: four-eyes administrators']);
  await pool.query('INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])', [rows[0].id, ADMIN_PERMISSIONS]);
  return name;
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Another person, in their own browser context (own cookies), signed in through the UI. */
async function signedIn(browser: Browser, baseURL: string | undefined, signIn: (p: Page, u: TE2eUser) => Promise<void>, who: TE2eUser) {
  const ctx = await browser.newContext({ baseURL });
  const page = await ctx.newPage();
  await signIn(page, who);
  return { ctx, page };
}

test("[4-eyes] admin A requests a role for user X, A cannot approve, approvers B and C sign, X's next request sees the new permission", async ({
  page,
  browser,
  baseURL,
  e2eDb,
  makeUser,
  signIn,
  auditRows,
}) => {
  test.slow();
  const role = await createAdminRole(e2eDb.pool);
  const [a, b, c, x] = await Promise.all([makeUser({ roles: [role] }), makeUser({ roles: [role] }), makeUser({ roles: [role] }), makeUser()]);

  // X (Operator) signs in first and keeps this session: before, the users list is refused.
  const xCtx = await browser.newContext({ baseURL });
  const xPage = await xCtx.newPage();
  await signIn(xPage, x);
  await xPage.goto('/admin/users');
  await expect(xPage.getByRole('main')).toContainText('You do not have the permission users.read');
  await expect(xPage.getByRole('table', { name: 'Users' })).toHaveCount(0);

  // A requests the role "Auditor" for X, with a reason.
  await signIn(page, a);
  await page.goto(`/admin/users/${x.id}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(x.displayName);
  await page.getByRole('button', { name: 'Assign role' }).click();
  const request = page.getByRole('dialog');
  await request.getByLabel('Role').selectOption('Auditor');
  await request.getByLabel('Reason for this change').fill('Joins the audit team for the annual self-inspection');
  await request.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/change-requests\/[0-9a-f-]{36}$/);
  const id = new URL(page.url()).pathname.split('/').pop()!;
  await expect(page.getByTestId('cr-approvals')).toHaveText('0 of 2');
  const number = (await page.locator('h1 .font-mono').textContent())!;
  expect(number).toMatch(/^CR-\d{6}$/);

  // The requester's Approve is disabled, and says why.
  const ownApprove = page.getByRole('button', { name: 'Approve', exact: true });
  await expect(ownApprove).toHaveAttribute('aria-disabled', 'true');
  await expect(ownApprove).toHaveAttribute('title', 'Requester cannot approve');

  // Bypassing the UI does not help: the service refuses the requester (HTTP 403).
  const payloadHash = (await page.getByTestId('cr-payload-hash').textContent())!.trim();
  const res = await page.request.post(`/api/change-requests/${id}/decision`, {
    data: { decision: 'approve', payloadHash, reason: 'self-approval attempt', employeeId: a.employeeId, password: a.password },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.message).toBe('Requester cannot approve');

  // B finds it in the queue and approves with an electronic signature.
  const bs = await signedIn(browser, baseURL, signIn, b);
  await bs.page.goto('/change-requests');
  await expect(bs.page.getByRole('link', { name: /Change requests \d+ waiting for your approval/ })).toBeVisible();
  const queueLink = bs.page.getByRole('link', { name: number });
  await expect(queueLink).toBeVisible();
  expect(await seriousViolations(bs.page)).toEqual([]);
  await queueLink.click();
  await expect(bs.page).toHaveURL(new RegExp(`/change-requests/${id}$`));
  await expect(bs.page.getByRole('main')).toContainText('Auditor (added)');
  expect(await seriousViolations(bs.page)).toEqual([]);
  await sign(bs.page, b);
  await expect(bs.page.getByTestId('cr-approvals')).toHaveText('1 of 2');
  await expect(bs.page.getByTestId('cr-decision')).toHaveCount(1);

  // C approves: the quorum is reached and the change is applied in the same transaction.
  const cs = await signedIn(browser, baseURL, signIn, c);
  await cs.page.goto(`/change-requests/${id}`);
  await sign(cs.page, c);
  await expect(cs.page.getByTestId('cr-approvals')).toHaveText('2 of 2');
  await expect(cs.page.getByRole('heading', { level: 1 })).toContainText('Applied');
  await expect(cs.page.getByTestId('cr-decision').filter({ hasText: c.displayName })).toContainText('APPROVAL');

  // X's very next request, in the same session, carries the new permission.
  await xPage.goto('/admin/users');
  await expect(xPage.getByRole('table', { name: 'Users' })).toBeVisible();
  await expect(xPage.getByTestId('session-user').locator('..')).toContainText('Auditor');

  // What was recorded: the refused self-approval, two signed approvals, one applied change.
  const refused = await auditRows('change_request.refused', id);
  expect(refused.map((r) => [r.actor_id, r.reason])).toEqual([[a.employeeId, 'Requester cannot approve']]);
  const approvals = await auditRows('change_request.approve', id);
  expect(approvals.map((r) => r.actor_id)).toEqual([b.employeeId, c.employeeId]);
  expect(approvals.map((r) => (r.new_value as { meaning: string }).meaning)).toEqual(['APPROVAL', 'APPROVAL']);
  const applied = await auditRows('change_request.apply', x.id);
  expect(applied).toHaveLength(1);
  expect(applied[0]).toMatchObject({ actor_type: 'system', entity_type: 'User', new_value: { kind: 'user.assign_role', effect: { role: 'Auditor' } } });

  await Promise.all([xCtx.close(), bs.ctx.close(), cs.ctx.close()]);
});

async function sign(page: Page, who: TE2eUser) {
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Approve change request');
  await dialog.getByLabel('Employee ID').fill(who.employeeId);
  await dialog.getByLabel('Password').fill(who.password);
  await dialog.getByRole('button', { name: 'Sign' }).click();
  await expect(dialog).toBeHidden({ timeout: 15_000 });
}
