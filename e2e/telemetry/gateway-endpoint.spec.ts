import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { registerDevice } from '@/lib/devices/register-device';
import { buildGatewayBody } from '@/lib/ingest/simulate/build-payloads';
import { expect, test } from '../fixtures';

// `next start` itself: the Node server answers POST /api/ingest/gateway before Next.js routing
// (lib/http/node-server-guard.ts), with the same code as the route handler.

test('[11.10(e)] next start serves the gateway endpoint on its own path: a signed sync is stored once, junk is quarantined and shown with its address', async ({ page, request, e2eDb, makeUser, signIn }) => {
  const id = `E2E-GW-${randomBytes(3).toString('hex').toUpperCase()}`;
  const sensor = `E2E-S-${randomBytes(3).toString('hex')}`;
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await registerDevice(e2eDb.prisma, { id, sensors: [sensor], key: { publicKeyPem: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);

  const body = buildGatewayBody({ privateKey: keys.privateKey, seq: 1, sensorId: sensor, value: '4.25' });
  const headers = { 'content-type': 'application/json' };
  const first = await request.post('/api/ingest/gateway', { data: body, headers });
  expect(first.status()).toBe(200);
  expect(await first.json()).toMatchObject({ status: 'stored', batchId: expect.any(String) });
  // Answered by the endpoint's own path: its headers, not the pages' Content-Security-Policy.
  expect(first.headers()['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  expect(first.headers()['x-content-type-options']).toBe('nosniff');
  const again = await request.post('/api/ingest/gateway', { data: body, headers });
  expect(await again.json()).toMatchObject({ status: 'duplicate', batchId: null });
  const { rows } = await e2eDb.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM telemetry WHERE device_id = $1', [id]);
  expect(rows[0].n).toBe(1);

  // Junk: quarantined (422), with the address the server saw, audited with its minute.
  const junk = await request.post('/api/ingest/gateway', { data: Buffer.from(`not a reading ${randomBytes(4).toString('hex')}`), headers });
  expect(junk.status()).toBe(422);
  expect(await junk.json()).toMatchObject({ status: 'quarantined', reason: 'malformed' });
  const q = await e2eDb.pool.query<{ id: string; source_address: string; junk_window: Date | null }>(
    "SELECT id::text, source_address, junk_window FROM quarantine WHERE reason = 'malformed' AND source = 'http' ORDER BY id DESC LIMIT 1",
  );
  expect(q.rows[0].source_address).toBe('127.0.0.1');
  expect(q.rows[0].junk_window).not.toBeNull();

  const qa = await makeUser({ roles: ['QA Approver'] });
  await signIn(page, qa);
  await page.goto(`/quarantine/${q.rows[0].id}`);
  await expect(page.getByText('127.0.0.1')).toBeVisible();
  await expect(page.getByText(/Unauthenticated: its minute/)).toBeVisible();
  await page.screenshot({ path: 'test-results/quarantine-junk-entry.png', fullPage: true });
  // At 390 px the entry reads without scrolling sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.reload();
  await expect(page.getByText(/Unauthenticated: its minute/)).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: 'test-results/quarantine-junk-entry-390.png', fullPage: true });

  // Other methods on the path still reach Next.js, which serves POST only there.
  expect((await request.get('/api/ingest/gateway')).status()).toBe(405);
});
