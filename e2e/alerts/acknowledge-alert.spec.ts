import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { expect, test } from '../fixtures';

async function roleWith(pool: pg.Pool, permissions: string[]): Promise<string> {
  const name = `E2E alerts ${randomBytes(3).toString('hex')}`;
  const { rows } = await pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: alert handling']);
  await pool.query('INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])', [rows[0].id, permissions]);
  return name;
}

test('[11.50][11.200(a)][URS 4.3 alerting] an alert is acknowledged on the alert list by an electronic signature, and the list shows who signed and why', async ({ page, e2eDb, makeUser, signIn, auditRows }) => {
  const person = await makeUser({ roles: [await roleWith(e2eDb.pool, ['security_alerts.read', 'security_alerts.acknowledge'])] });
  const key = `e2e-ack-${randomBytes(4).toString('hex')}`;
  const { rows } = await e2eDb.pool.query<{ id: string }>(
    `INSERT INTO security_alerts (kind, severity, dedup_key, detail) VALUES ('backup_failed', 'critical', $1, $2) RETURNING id::text`,
    [key, JSON.stringify({ scheduledFor: '2030-01-01T02:00:00.000Z', error: 'No space left on device' })],
  );
  const id = rows[0].id;
  await signIn(page, person);
  await page.goto('/admin/security-alerts');
  // The navigation counts open alerts only, the same number the Open list shows.
  const openBefore = Number(await page.getByTestId('nav-open-alerts').innerText().then((t) => t.replace(/\D+/g, '')));
  await expect(page.getByRole('link', { name: /^Open \(/ })).toHaveText(`Open (${openBefore})`);
  const row = page.getByRole('row').filter({ hasText: 'Backup failed' }).filter({ has: page.getByRole('button', { name: 'Acknowledge' }) }).first();
  await row.getByRole('button', { name: 'Acknowledge' }).click();
  const dialog = page.getByRole('dialog', { name: 'Electronic signature: Acknowledge the alert' });
  await expect(dialog.getByTestId('esign-subject')).toHaveText(`Alert #${id}: Backup failed (critical)`);
  await expect(dialog.getByLabel('Meaning of this signature')).toHaveValue('RESPONSIBILITY');
  // A comment is required; a wrong password is refused.
  await dialog.getByLabel('Employee ID').fill(person.employeeId);
  await dialog.getByLabel('Password').fill('not my password at all');
  await dialog.getByLabel('What was done about it (required)').fill('Freed space on the backup volume; the next backup was checked');
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Signature refused: wrong password');
  await dialog.getByLabel('Password').fill(person.password);
  await page.screenshot({ path: 'test-results/alert-acknowledge-dialog.png', fullPage: true });
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(dialog).toBeHidden();

  const [ev] = await auditRows('alert.acknowledge', id);
  expect(ev).toMatchObject({ actor_id: person.employeeId, reason: 'Freed space on the backup volume; the next backup was checked' });
  expect(ev.new_value).toMatchObject({ meaning: 'RESPONSIBILITY', printedName: person.displayName, employeeId: person.employeeId });
  // Acknowledged, it leaves the Open list (and the navigation count) for the Acknowledged list.
  await expect(page.locator(`#alert-${id}`)).toHaveCount(0);
  if (openBefore > 1) await expect(page.getByTestId('nav-open-alerts')).toHaveText(`${openBefore - 1} open`);
  else await expect(page.getByTestId('nav-open-alerts')).toHaveCount(0);
  await page.getByRole('link', { name: /^Acknowledged \(/ }).click();
  await expect(page).toHaveURL(/view=acknowledged/);
  const done = page.getByTestId('alert-acknowledgement').filter({ hasText: person.employeeId });
  await expect(done).toContainText(`${person.displayName} (${person.employeeId}), responsibility`);
  await expect(done).toContainText('Freed space on the backup volume');
  await page.screenshot({ path: 'test-results/alert-acknowledged.png', fullPage: true });
});
