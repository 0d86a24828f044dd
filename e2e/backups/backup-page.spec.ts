import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type pg from 'pg';
import { expect, test } from '../fixtures';

// A custom role (the built-in Administrator must enrol TOTP first; this spec is about backups).
async function roleWith(pool: pg.Pool, permissions: string[]): Promise<string> {
  const name = `E2E backups ${randomBytes(3).toString('hex')}`;
  const { rows } = await pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: backup administration']);
  await pool.query('INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])', [rows[0].id, permissions]);
  return name;
}

test('[11.10(c)][Annex 11 §7.2] an administrator backs up from the Backup page, sees the progress and the signed manifest, and the backup is in the chain', async ({
  page,
  e2eDb,
  makeUser,
  signIn,
  auditRows,
}) => {
  test.setTimeout(60_000);
  const admin = await makeUser({ roles: [await roleWith(e2eDb.pool, ['backups.read', 'backups.manage'])] });
  await signIn(page, admin);
  await page.goto('/admin/backups');
  await expect(page.getByRole('heading', { name: 'Backups', level: 1 })).toBeVisible();
  // When backups run is stated, with the next scheduled run.
  await expect(page.getByText(/Backups run daily at \d\d:\d\d UTC; restore drill weekly on \w+day after the backup/)).toBeVisible();
  await expect(page.getByTestId('backup-schedule').getByText('Next backup')).toBeVisible();

  // Every progress line the page shows, recorded as it appears (a small site backs up in a second).
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { progressSeen: string[] }).progressSeen = seen;
    new MutationObserver(() => {
      for (const el of document.querySelectorAll('[role="status"]')) {
        const t = el.textContent ?? '';
        if (t && !seen.includes(t)) seen.push(t);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.getByRole('button', { name: 'Back up now' }).click();
  const manifest = page.getByTestId('backup-manifest');
  await expect(manifest).toBeVisible({ timeout: 30_000 });
  const fileName = /Backup written: (\S+)/.exec((await manifest.locator('p').first().textContent()) ?? '')?.[1] ?? '';
  expect(fileName).toMatch(/^custos-\d{8}T\d{6}Z-[0-9a-f]{8}\.backup$/);
  const manifestHash = (await manifest.locator('dt:has-text("Manifest SHA-256") + dd').textContent()) ?? '';
  expect(manifestHash).toMatch(/^[0-9a-f]{64}$/);
  await expect(manifest.getByText(/^seq \d+ · [0-9a-f]{64}$/)).toBeVisible();
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
  // Progress was shown while it ran, then the manifest.
  expect(seen.some((t) => /Taking a consistent snapshot|Dumping and encrypting|Signing the manifest/.test(t))).toBe(true);

  // The list shows it, and the chain names it by its manifest hash.
  await expect(page.getByRole('row').filter({ hasText: fileName })).toBeVisible();
  const [ev] = (await auditRows('backup.created')).filter((r) => (r.new_value as { manifestHash: string }).manifestHash === manifestHash);
  expect(ev).toMatchObject({ actor_id: admin.employeeId, entity_type: 'Backup' });

  const axe = await new AxeBuilder({ page }).analyze();
  expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
  await page.screenshot({ path: 'test-results/backup-page.png', fullPage: true });
});
