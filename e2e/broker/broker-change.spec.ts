import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { startDynsecMosquitto } from '@/tests/helpers/mosquitto';
import { expect, test } from '../fixtures';

// A server of its own that manages a real Mosquitto (dynamic security), started for this test:
// the main e2e server manages no broker.
async function roleWith(pool: pg.Pool, permissions: string[]): Promise<string> {
  const name = `E2E broker ${randomBytes(3).toString('hex')}`;
  const { rows } = await pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: broker changes']);
  await pool.query('INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])', [rows[0].id, permissions]);
  return name;
}

test('[URS 4.2 change control][4-eyes] a broker change batch is built on the broker page and submitted for approval; the request shows what it does and nothing reaches the broker', async ({
  browser,
  e2eDb,
  makeUser,
  signIn,
  startServer,
  auditRows,
}) => {
  test.setTimeout(90_000);
  const broker = await startDynsecMosquitto();
  try {
    const server = await startServer({ CUSTOS_BROKER_URL: broker.url, CUSTOS_BROKER_ADMIN_USERNAME: broker.admin.username, CUSTOS_BROKER_ADMIN_PASSWORD: broker.admin.password });
    const manager = await makeUser({ roles: [await roleWith(e2eDb.pool, ['broker.read', 'broker.manage', 'change_requests.read'])] });
    const context = await browser.newContext({ baseURL: server.baseURL });
    try {
      const page = await context.newPage();
      await signIn(page, manager);
      await page.goto('/admin/broker');
      await expect(page.getByRole('heading', { name: 'Broker access', level: 1 })).toBeVisible();
      await expect(page.getByText('Custos does not manage a broker here')).toHaveCount(0);

      const username = `e2e-gw-${randomBytes(3).toString('hex')}`;
      await page.getByLabel('Command').selectOption('createClient');
      await page.getByLabel('Client (username)').fill(username);
      await page.getByRole('button', { name: 'Add to batch' }).click();
      const batch = page.getByRole('list', { name: 'Command batch' });
      await expect(batch.getByRole('listitem')).toHaveCount(1);
      await expect(batch).toContainText(`Create client ${username} with a generated password`);

      await page.getByLabel('Reason for the change').fill('Gateway for the e2e cold room');
      await page.screenshot({ path: 'test-results/broker-change-batch.png', fullPage: true });
      await page.getByRole('button', { name: 'Submit for approval' }).click();
      await expect(page).toHaveURL(/\/change-requests\/[0-9a-f-]{36}$/, { timeout: 15_000 });
      await expect(page.getByRole('main')).toContainText(username);
      const id = page.url().split('/').pop()!;
      const [submitted] = await auditRows('change_request.submit', id);
      expect(submitted).toMatchObject({ actor_id: manager.employeeId, reason: 'Gateway for the e2e cold room' });
      expect(submitted.new_value).toMatchObject({ kind: 'broker.apply' });
      // Submitted, not applied: the broker does not know the client.
      expect(await broker.ctrl('listClients')).not.toContain(username);
      await page.screenshot({ path: 'test-results/broker-change-request.png', fullPage: true });
    } finally {
      await context.close();
    }
  } finally {
    await broker.stop();
  }
});
