import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect, test } from '../fixtures';

test('[11.10(g)] [Annex 11 §12] the service account page lists each key with its last use, and adding a key is a change request', async ({ page, e2eDb, makeUser, signIn }) => {
  const name = `E2E services ${randomBytes(3).toString('hex')}`;
  const { rows } = await e2eDb.pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: service accounts']);
  await e2eDb.pool.query('INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])', [rows[0].id, ['service_accounts.read', 'service_accounts.manage', 'change_requests.read']]);
  const manager = await makeUser({ roles: [name] });
  const id = `ebr-${randomBytes(3).toString('hex')}`;
  const pem = (k: ReturnType<typeof generateKeyPairSync>['publicKey']) => k.export({ type: 'spki', format: 'pem' }).toString();
  await e2eDb.pool.query("INSERT INTO service_accounts (id, name, owner_id, scopes, max_token_lifetime_s) VALUES ($1, 'EBR line 1', $2, '{records.read,records.create}', 300)", [id, manager.id]);
  await e2eDb.pool.query(
    "INSERT INTO service_account_keys (account_id, kid, public_key_pem, fingerprint, last_used_at) VALUES ($1, 'k1', $2, 'sha256:0123456789abcdef', '2026-12-01T10:00:00Z'), ($1, 'k2', $2, 'sha256:fedcba9876543210', NULL)",
    [id, pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey)],
  );

  await signIn(page, manager);
  await page.goto('/admin/service-accounts');
  await expect(page.getByRole('heading', { name: 'Service accounts', level: 1 })).toBeVisible();
  const k1 = page.getByTestId(`key-${id}-k1`);
  await expect(k1).toContainText('sha256:0123456789abcdef');
  await expect(k1.locator('td').nth(3).locator('time')).toHaveAttribute('datetime', /^2026-12-01T10:00:00/);
  await expect(page.getByTestId(`key-${id}-k2`)).toContainText('Never');
  await page.screenshot({ path: 'test-results/service-accounts-page.png', fullPage: true });
  // At 390 px the page reads without scrolling sideways (the key table scrolls in its own box).
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(k1).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: 'test-results/service-accounts-page-390.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 720 });

  await page.getByRole('button', { name: `Add or retire a key of ${id}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Key ID (kid)').fill('k3');
  await dialog.getByLabel('ES256 public key (PEM)').fill(pem(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey));
  await dialog.getByLabel('k1 (sha256:0123456789abcdef)').check();
  await dialog.getByLabel('Reason for this change').fill('Yearly key rotation of the EBR');
  await page.screenshot({ path: 'test-results/service-accounts-rotate.png', fullPage: true });
  await dialog.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/change-requests\/[0-9a-f-]{36}$/);
  await expect(page.getByText(`service account ${id}`).first()).toBeVisible();
  const { rows: crs } = await e2eDb.pool.query("SELECT kind, status, payload FROM change_requests WHERE kind = 'service_account.rotate_key' AND payload ->> 'accountId' = $1", [id]);
  expect(crs).toEqual([{ kind: 'service_account.rotate_key', status: 'submitted', payload: expect.objectContaining({ accountId: id, retireKids: ['k1'], key: expect.objectContaining({ kid: 'k3', fingerprint: expect.stringMatching(/^sha256:/) }) }) }]);
  // Nothing is applied before someone else approves.
  const { rows: keys } = await e2eDb.pool.query('SELECT kid FROM service_account_keys WHERE account_id = $1 ORDER BY kid', [id]);
  expect(keys.map((k) => k.kid)).toEqual(['k1', 'k2']);
});

test('[11.10(k)] the API reference page shows every /api/v1 operation with its permission, from the OpenAPI document', async ({ page, e2eDb, makeUser, signIn }) => {
  const name = `E2E api reader ${randomBytes(3).toString('hex')}`;
  const { rows } = await e2eDb.pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: service accounts read']);
  await e2eDb.pool.query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, 'service_accounts.read')", [rows[0].id]);
  const reader = await makeUser({ roles: [name] });
  await signIn(page, reader);
  await page.goto('/admin/service-accounts');
  await page.getByRole('link', { name: 'API reference' }).click();
  await expect(page.getByRole('heading', { name: 'Integration API reference', level: 1 })).toBeVisible();
  const doc = (await (await page.request.get('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of Object.keys(ops)) await expect(page.getByRole('region', { name: `${method.toUpperCase()} ${path}`, exact: true })).toBeVisible();
  }
  await expect(page.getByRole('region', { name: 'POST /api/v1/records', exact: true })).toContainText('Needs records.create');
  await page.screenshot({ path: 'test-results/api-reference.png', fullPage: false });
});
