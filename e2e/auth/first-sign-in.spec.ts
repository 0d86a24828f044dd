import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { generateSync } from 'otplib';
import { expect, test } from '../fixtures';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

test('[11.300(b)] first sign-in forces a password change', async ({ page, makeUser, signIn, auditRows }) => {
  const user = await makeUser({ mustChangePassword: true });
  await signIn(page, user);

  await expect(page).toHaveURL(/\/account\/password(\?|$)/);
  await expect(page.getByText('You must choose your own password before you continue.')).toBeVisible();
  // Until the password is changed the session opens nothing, but the header says who it is.
  await expect(page.getByTestId('session-user')).toHaveText(`${user.displayName} (${user.employeeId})`);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Records' })).toHaveCount(0);

  const newPassword = page.getByLabel(/^New password/);
  await page.getByLabel(/^Current password/).fill(user.password);
  await newPassword.fill('short');
  await page.getByLabel(/^Repeat new password/).fill('short');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(newPassword).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Password must be at least 12 characters')).toBeVisible();
  expect(await auditRows('user.password_change', user.id)).toHaveLength(0);

  const good = 'copper meadow quietly 47 orbit';
  await page.getByLabel(/^Current password/).fill(user.password);
  await newPassword.fill(good);
  await page.getByLabel(/^Repeat new password/).fill(good);
  await page.getByRole('button', { name: 'Change password' }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('session-user')).toHaveText(`${user.displayName} (${user.employeeId})`);
  const changes = await auditRows('user.password_change', user.id);
  expect(changes).toHaveLength(1);
  expect(changes[0]).toMatchObject({ actor_id: user.employeeId, entity_type: 'User', reason: 'changed by the user' });
});

test('[11.300(b)][URS 4.2] first sign-in of an administrator: MFA enrolment, Continue, the forced password change, then the worklist', async ({ page, makeUser, signIn }) => {
  const admin = await makeUser({ roles: ['Administrator'], mustChangePassword: true });
  await signIn(page, admin);
  const who = `${admin.displayName} (${admin.employeeId})`;

  // The sign-in page had its h1; so does every page of the flow, and the header names the person.
  await expect(page).toHaveURL(/\/account\/mfa$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Two-factor authentication' })).toBeVisible();
  await expect(page.getByTestId('session-user')).toHaveText(who);
  await expect(page.getByRole('banner').getByRole('link', { name: 'Sign in' })).toHaveCount(0);
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = (await page.getByTestId('mfa-secret').textContent())?.trim() ?? '';
  await page.getByLabel(/^Code/).fill(generateSync({ secret }));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
  await page.screenshot({ path: test.info().outputPath('first-sign-in-mfa.png'), fullPage: true });

  // Continue leads on to the forced password change — never to a page that looks signed out.
  await page.getByRole('link', { name: 'Continue' }).click();
  await expect(page).toHaveURL(/\/account\/password(\?|$)/);
  await expect(page.getByRole('heading', { level: 1, name: 'Change password' })).toBeVisible();
  await expect(page.getByText('You must choose your own password before you continue.')).toBeVisible();
  await expect(page.getByTestId('session-user')).toHaveText(who);
  await page.screenshot({ path: test.info().outputPath('first-sign-in-password.png'), fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);

  const good = 'copper meadow quietly 47 orbit';
  await page.getByLabel(/^Current password/).fill(admin.password);
  await page.getByLabel(/^New password/).fill(good);
  await page.getByLabel(/^Repeat new password/).fill(good);
  await page.getByRole('button', { name: 'Change password' }).click();

  // And then the worklist.
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('worklist')).toBeVisible();
  await expect(page.getByTestId('session-user')).toHaveText(who);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('first-sign-in-worklist.png'), fullPage: true });
});

test('[UI] the sign-in page has its h1 and no serious accessibility violations', async ({ page }) => {
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Custos' })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
});
