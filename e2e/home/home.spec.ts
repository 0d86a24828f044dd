import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '../fixtures';

test('[11.10(d)] signed in with audit.read, home renders the worklist and the system status', async ({ page, makeUser, signIn }) => {
  const reviewer = await makeUser({ roles: ['QA Reviewer'] });
  await signIn(page, reviewer);
  await page.goto('/');

  await expect(page.getByRole('heading', { level: 1, name: 'Custos' })).toBeVisible();
  await expect(page.getByTestId('worklist')).toBeVisible();
  const status = page.getByRole('region', { name: 'System status' });
  await expect(status).toBeVisible();
  const database = status.locator('dl').filter({ has: page.getByRole('term').filter({ hasText: /^Database$/ }) });
  await expect(database.getByRole('definition')).toHaveText('up');
  await expect(status.getByText('Audit chain head')).toBeVisible();
  await expect(status.getByText('Last verification')).toBeVisible();
});

test('[UI] home page has no serious accessibility violations', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Custos' })).toBeVisible();

  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  expect(serious).toEqual([]);
});
