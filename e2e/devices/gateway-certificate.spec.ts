import { X509Certificate, createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { expect, test } from '../fixtures';
import { TEST_CERT_PEM } from '@/tests/helpers/test-cert';

test('[11.10(h)] [4-eyes] a gateway certificate is requested from the device page: the request carries its SHA-256 and nothing changes before approval', async ({ page, e2eDb, makeUser, signIn }) => {
  const name = `E2E devices ${randomBytes(3).toString('hex')}`;
  const { rows } = await e2eDb.pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [name, 'e2e: device administration']);
  await e2eDb.pool.query('INSERT INTO role_permissions (role_id, permission) SELECT $1, unnest($2::text[])', [rows[0].id, ['devices.read', 'devices.manage', 'change_requests.read']]);
  const manager = await makeUser({ roles: [name] });
  const id = `GW-E2E-${randomBytes(3).toString('hex').toUpperCase()}`;
  await e2eDb.pool.query("INSERT INTO devices (id, kind, description) VALUES ($1, 'ecdsa', 'Cold room gateway')", [id]);
  await e2eDb.pool.query('INSERT INTO device_keys (device_id, version, public_key_pem) VALUES ($1, 1, $2)', [
    id,
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }),
  ]);

  await signIn(page, manager);
  await page.goto(`/admin/devices/${id}`);
  await expect(page.getByText('TLS client certificate')).toBeVisible();
  await expect(page.getByText('None registered')).toBeVisible();
  // At 390 px the device page and the request dialog read without scrolling sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.getByRole('button', { name: 'Set certificate' }).click();
  const narrow = await page.getByRole('dialog').boundingBox();
  expect(narrow && narrow.x >= 0 && narrow.x + narrow.width <= 390).toBe(true);
  await page.screenshot({ path: 'test-results/gateway-certificate-dialog-390.png', fullPage: false });
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByRole('button', { name: 'Set certificate' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Certificate').fill('not a certificate');
  await dialog.getByLabel('Reason for this change').fill('Gateway moved behind the TLS terminator');
  await dialog.getByRole('button', { name: 'Submit request' }).click();
  await expect(dialog.getByRole('alert')).toContainText('64 hex digits');
  await dialog.getByLabel('Certificate').fill(TEST_CERT_PEM);
  await page.screenshot({ path: 'test-results/gateway-certificate-dialog.png', fullPage: true });
  await dialog.getByRole('button', { name: 'Submit request' }).click();
  await expect(page).toHaveURL(/\/change-requests\/[0-9a-f-]{36}$/);
  const sha = createHash('sha256').update(new X509Certificate(TEST_CERT_PEM).raw).digest('hex');
  await expect(page.getByText(sha).first()).toBeVisible();
  await page.screenshot({ path: 'test-results/gateway-certificate-request.png', fullPage: true });
  const { rows: crs } = await e2eDb.pool.query("SELECT status, required_approvals, payload FROM change_requests WHERE kind = 'device.set_certificate' AND payload ->> 'deviceId' = $1", [id]);
  expect(crs).toEqual([{ status: 'submitted', required_approvals: 2, payload: { deviceId: id, certFingerprint: sha } }]);
  const { rows: dev } = await e2eDb.pool.query('SELECT cert_fingerprint FROM devices WHERE id = $1', [id]);
  expect(dev).toEqual([{ cert_fingerprint: null }]);
});
