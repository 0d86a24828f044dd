import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import type pg from 'pg';
import { expect, test } from '../fixtures';

// A custom role (the built-in Administrator must enrol TOTP first; this spec is about the broker).
async function roleWith(pool: pg.Pool, permissions: string[]): Promise<string> {
  const name = `E2E broker ${randomBytes(3).toString('hex')}`;
  const { rows } = await pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: broker access']);
  await pool.query('INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])', [rows[0].id, permissions]);
  return name;
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

test('[URS 4.2 RBAC] broker.read shows the broker page read-only; changing it says which permission is missing', async ({ page, e2eDb, makeUser, signIn }) => {
  const reader = await makeUser({ roles: [await roleWith(e2eDb.pool, ['broker.read'])] });
  await signIn(page, reader);
  await page.goto('/admin/broker');
  await expect(page.getByRole('heading', { name: 'Broker access', level: 1 })).toBeVisible();
  await expect(page.getByText('Custos does not manage a broker here')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Submit for approval' })).toBeDisabled();
  expect(await seriousViolations(page)).toEqual([]);
  await page.screenshot({ path: 'test-results/broker-page-read-only.png', fullPage: true });
});
