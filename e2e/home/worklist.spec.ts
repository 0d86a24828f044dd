import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { expect, test, type TE2eUser } from '../fixtures';

// Home is a worklist for the person signed in, and tells anonymous visitors nothing internal.

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

async function personPage(browser: Browser, signIn: (p: Page, u: TE2eUser) => Promise<void>, user: TE2eUser): Promise<Page> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

test('[11.10(d)] signed out, home shows no audit chain head, site state or other internals', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Custos' })).toBeVisible();
  const main = page.getByRole('main');
  await expect(main.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(main).not.toContainText('Audit chain head');
  await expect(main).not.toContainText('Last verification');
  await expect(main).not.toContainText(/seq \d+/);
  await expect(page.getByTestId('home-site-state')).toHaveCount(0);
  await expect(page.getByTestId('worklist')).toHaveCount(0);
  await page.screenshot({ path: test.info().outputPath('home-anonymous.png'), fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);
});

test('[11.10(g)] the home worklist lists records awaiting my signature by the meaning I may sign, as the record page enables it', async ({
  page,
  browser,
  makeUser,
  signIn,
}) => {
  const author = await makeUser({ roles: ['Operator'] });
  const reviewer = await makeUser({ roles: ['QA Reviewer'] });
  const title = `Worklist batch ${randomBytes(3).toString('hex')}`;

  await signIn(page, author);
  await page.goto('/records/new');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Product').fill('Amoxicillin 500 mg capsules');
  await page.getByLabel('Batch number').fill('B-2026-0777');
  await page.getByLabel('Quantity').fill('10');
  await page.getByLabel('Unit').fill('kg');
  await page.getByLabel('Manufactured on').fill('2026-11-20');
  await page.getByRole('button', { name: 'Create record' }).click();
  await expect(page).toHaveURL(/\/records\/[0-9a-f-]{36}$/);
  const recordPath = new URL(page.url()).pathname;

  // The author's own draft waits for the author's signature.
  await page.goto('/');
  const mine = page.getByTestId('work-sign');
  await expect(mine.getByRole('heading', { name: 'Records awaiting my signature' })).toBeVisible();
  await expect(mine.getByRole('listitem').filter({ hasText: title })).toContainText('AUTHORSHIP');
  await expect(page.getByTestId('work-mine')).toContainText('Change requests you submitted appear here');
  await page.screenshot({ path: test.info().outputPath('home-author.png'), fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);

  await mine.getByRole('link', { name: new RegExp(title) }).click();
  await expect(page).toHaveURL(new RegExp(`${recordPath}$`));
  await page.getByRole('button', { name: 'Sign and submit for review' }).click();
  const dialog = page.getByRole('dialog', { name: 'Electronic signature: Sign and submit for review' });
  await dialog.getByLabel('Employee ID').fill(author.employeeId);
  await dialog.getByLabel('Password').fill(author.password);
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(dialog).toBeHidden();

  // Submitted: the author may not review their own version, so it leaves their list.
  await page.goto('/');
  await expect(page.getByTestId('work-sign').getByRole('listitem').filter({ hasText: title })).toHaveCount(0);

  // The reviewer sees it with the meanings they may sign, and the record page agrees.
  const rp = await personPage(browser, signIn, reviewer);
  await rp.goto('/');
  const item = rp.getByTestId('work-sign').getByRole('listitem').filter({ hasText: title });
  await expect(item).toContainText('REVIEW or REJECTION');
  await rp.screenshot({ path: test.info().outputPath('home-reviewer.png'), fullPage: true });
  await item.getByRole('link').click();
  await expect(rp).toHaveURL(new RegExp(`${recordPath}$`));
  await expect(rp.getByRole('button', { name: 'Sign review' })).toBeEnabled();
  await expect(rp.getByRole('button', { name: 'Sign review' })).not.toHaveAttribute('aria-disabled', 'true');
  await rp.context().close();
});

test('[11.300(d)] the home of a person who reads alerts counts open security alerts and links to them', async ({ page, e2eDb, makeUser, signIn }) => {
  // A role that reads alerts and nothing administrative (administrators must first enrol MFA).
  const role = `E2E alert reader ${randomBytes(3).toString('hex')}`;
  const r = await e2eDb.pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [role, 'e2e: reads alerts']);
  await e2eDb.pool.query(`INSERT INTO role_permissions (role_id, permission) VALUES ($1, 'security_alerts.read'), ($1, 'devices.read')`, [r.rows[0].id]);
  const admin = await makeUser({ roles: [role] });
  const { rows } = await e2eDb.pool.query<{ id: string }>(
    `INSERT INTO security_alerts (kind, severity, dedup_key, detail) VALUES ('backup_overdue', 'high', $1, '{}') RETURNING id::text`,
    [`e2e-home-${randomBytes(4).toString('hex')}`],
  );
  const open = await e2eDb.pool.query<{ n: string }>('SELECT count(*)::text AS n FROM security_alerts WHERE acknowledged_at IS NULL');
  await signIn(page, admin);
  await page.goto('/');
  const alerts = page.getByTestId('work-alerts');
  await expect(alerts.getByTestId('work-count')).toHaveText(`${open.rows[0].n} items`);
  await expect(page.getByTestId('nav-open-alerts')).toHaveText(`${open.rows[0].n} open`);
  await expect(alerts.getByRole('link', { name: new RegExp(`#${rows[0].id} Scheduled backup overdue`) })).toHaveAttribute('href', `/admin/security-alerts#alert-${rows[0].id}`);
  await page.screenshot({ path: test.info().outputPath('home-admin.png'), fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);
});
