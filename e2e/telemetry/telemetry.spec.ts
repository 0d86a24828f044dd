import { randomBytes } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { SYSTEM_CLI } from '@/lib/audit/events';
import type { TDb } from '@/lib/db/client';
import { registerDevice } from '@/lib/devices/register-device';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { expect, test, type TE2eUser } from '../fixtures';

// Each test registers its own device straight in the database the server uses (as the CLI
// does) and ingests through the real pipeline in this process: five readings inside the
// limits, one above them, and one message tampered with after signing.

const MINUTE = 60_000;
const VALUES = ['4.5', '4.7', '5.1', '12.5', '5.0', '4.8'];

async function seedDevice(prisma: TDb): Promise<{ id: string }> {
  const id = `E2E-FRIDGE-${randomBytes(3).toString('hex').toUpperCase()}`;
  const secret = randomBytes(32);
  await registerDevice(prisma, { id, description: 'e2e fridge', key: { hmacSecretHex: secret.toString('hex') }, limitMin: 2, limitMax: 8, unit: '°C', expectedIntervalS: 3600 }, SYSTEM_CLI);
  const now = Date.now();
  const at = (i: number) => new Date(now - (VALUES.length - i) * 5 * MINUTE);
  const readings = VALUES.map((value, i) => ({ source: 'mqtt' as const, topic: null, raw: buildHmacPayload({ deviceId: id, secret, value, at: at(i) }), receivedAt: at(i) }));
  // Tampered in transit: the reading no longer matches the schema hash the device signed.
  const tampered = buildHmacPayload({ deviceId: id, secret, value: '4.5', at: new Date(now - MINUTE) }).toString().replace('"value":4.5', '"value":3.5');
  const r = await new Ingestor(prisma).ingest([...readings, { source: 'mqtt', topic: `cold/${id}`, raw: Buffer.from(tampered), receivedAt: new Date(now - MINUTE) }]);
  expect(r).toMatchObject({ stored: VALUES.length, quarantined: 1 });
  return { id };
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Another person in their own browser context (own cookies), signed in through the UI. */
async function signedIn(browser: Browser, baseURL: string | undefined, signIn: (p: Page, u: TE2eUser) => Promise<void>, who: TE2eUser) {
  const ctx = await browser.newContext({ baseURL });
  const page = await ctx.newPage();
  await signIn(page, who);
  return { ctx, page };
}

test('[11.10(f)] telemetry page shows the chart with limits and the readings', async ({ page, e2eDb, makeUser, signIn, auditRows }) => {
  test.slow();
  const { id } = await seedDevice(e2eDb.prisma);
  const operator = await makeUser({ roles: ['Operator'] });
  await signIn(page, operator);
  await page.goto(`/telemetry?device=${id}&range=1h`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Telemetry');

  // The chart says what it shows: the readings, their range, the limits and the excursion.
  const chart = page.getByRole('img', { name: new RegExp(`^${id}: 6 readings from `) });
  await expect(chart).toBeVisible();
  const summary = (await chart.getAttribute('aria-label'))!;
  expect(summary).toContain('values from 4.5 °C to 12.5 °C');
  expect(summary).toContain('limits 2 to 8 °C');
  expect(summary).toContain('1 excursion');
  // The limit lines are drawn and labelled.
  await expect(chart.locator('text', { hasText: 'max' })).toHaveCount(1);
  await expect(chart).toContainText('8 °C');
  await expect(chart).toContainText('2 °C');

  // The readings: values as sent, newest first, the out-of-limits one flagged.
  const table = page.getByRole('table', { name: `Readings of ${id}` });
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(6);
  await expect(rows.first()).toContainText('4.8');
  const spike = rows.filter({ hasText: '12.5' });
  await expect(spike).toContainText('Out of limits');
  await expect(spike.getByText(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/)).toBeVisible();

  // Its inclusion proof holds, and the batch root is in the audit chain.
  const proofHref = (await spike.getByRole('link', { name: /^Proof/ }).getAttribute('href'))!;
  expect(proofHref).toMatch(/^\/telemetry\/proof\/\d+$/);
  const readingId = proofHref.split('/').at(-1)!;
  const proof = await page.request.get(`/api/telemetry/${readingId}/proof`);
  expect(proof.status()).toBe(200);
  expect(await proof.json()).toMatchObject({ valid: true, rootInAudit: true });

  // The excursion opened a record, audited by the ingestion, and is listed under the chart.
  const opened = await auditRows('device.excursion_open', id);
  expect(opened).toHaveLength(1);
  expect(opened[0]).toMatchObject({ actor_id: 'system:ingest', entity_type: 'Device' });
  await expect(page.getByRole('heading', { name: 'Excursions in this window' })).toBeVisible();

  // It ended with the next reading: the record was updated by the system (version 2, with a
  // reason) with end, duration, peak with its unit and readings; times in the one UTC format.
  const recordId = (opened[0].new_value as { recordId: string }).recordId;
  const edits = await auditRows('record.edit', recordId);
  expect(edits).toHaveLength(1);
  expect(edits[0]).toMatchObject({ actor_id: 'system:ingest', reason: expect.stringMatching(/^Excursion ended \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/) });
  await page.goto(`/records/${recordId}`);
  const content = page.getByRole('region', { name: 'Content · version 2' });
  const utc = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$/;
  const value = (term: string) => content.locator('dl > div').filter({ has: page.getByRole('term').filter({ hasText: new RegExp(`^${term}$`) }) }).getByRole('definition').first();
  await expect(value('Started at')).toHaveText(utc);
  await expect(value('Ended at')).toHaveText(utc);
  await expect(value('Duration')).toHaveText('5 min');
  await expect(value('Peak')).toHaveText('12.5 °C');
  await expect(value('Readings outside the limits')).toHaveText('1');
  await expect(content).not.toContainText(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  // The comparison of the two versions uses the same format: no raw ISO, the duration in words.
  const diff = page.getByTestId('version-diff');
  await expect(diff).toContainText('5 min');
  await expect(diff).toContainText('ongoing');
  await expect(diff).not.toContainText(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  const chartHref = (await page.getByTestId('excursion-chart-link').getAttribute('href'))!;
  const chartUrl = new URL(chartHref, 'http://x');
  expect(chartUrl.searchParams.get('device')).toBe(id);
  await page.screenshot({ path: test.info().outputPath('excursion-record.png'), fullPage: true });
  await page.getByTestId('excursion-chart-link').click();
  await expect(page.getByRole('img', { name: new RegExp(`^${id}: \\d+ readings from `) })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Excursions in this window' })).toBeVisible();
  await page.goto(`/telemetry?device=${id}&range=1h`);

  // Zoom from the keyboard: the window becomes a custom from/to in the address.
  await page.getByRole('group', { name: new RegExp(`^Chart of ${id}`) }).focus();
  await page.keyboard.press('+');
  const zoomed = (u: URL) => {
    const [from, to] = [u.searchParams.get('from'), u.searchParams.get('to')].map((v) => Date.parse(v ?? ''));
    // Half of the hour, around its middle (whole seconds, widened by at most one on each side).
    return !u.searchParams.has('range') && Math.abs(to - from - 30 * MINUTE) <= 2000;
  };
  await expect(page).toHaveURL(zoomed);
  await expect(page.getByLabel('Time window', { exact: true })).toHaveValue('custom');
  await expect(page.getByRole('img', { name: new RegExp(`^${id}: \\d+ readings from `) })).toBeVisible();
  // The data behind the chart, as a table.
  await page.getByRole('button', { name: 'Show table' }).click();
  await expect(page.getByRole('table', { name: new RegExp(`^Chart data of ${id}`) })).toBeVisible();
});

test('[11.10(e)] the chart opens on the data, and a reading\'s proof is a readable page with the JSON as a download', async ({ page, e2eDb, makeUser, signIn }) => {
  test.slow();
  const { id } = await seedDevice(e2eDb.prisma);
  const operator = await makeUser({ roles: ['Operator'] });
  await signIn(page, operator);
  // No window in the address: the hour around the last reading, with all six readings in it.
  await page.goto(`/telemetry?device=${id}`);
  await expect(page.getByRole('img', { name: new RegExp(`^${id}: 6 readings from `) })).toBeVisible();
  await expect(page.getByLabel('Time window', { exact: true })).toHaveValue('custom');
  await page.screenshot({ path: test.info().outputPath('telemetry-default-window.png'), fullPage: true });

  const spike = page.getByRole('table', { name: `Readings of ${id}` }).locator('tbody tr').filter({ hasText: '12.5' });
  await spike.getByRole('link', { name: /^Proof/ }).click();
  await expect(page).toHaveURL(/\/telemetry\/proof\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^Inclusion proof of reading \d+$/);
  await expect(page.getByTestId('proof-verdict')).toHaveText('Verified ✓');
  const reading = page.getByRole('region', { name: 'Reading' });
  await expect(reading).toContainText(id);
  await expect(reading).toContainText('12.5 °C');
  await expect(page.getByRole('region', { name: 'Batch' })).toContainText(/seq \d+, chain /);
  await expect(page.getByRole('region', { name: 'Merkle path' })).toBeVisible();
  await page.screenshot({ path: test.info().outputPath('telemetry-proof.png'), fullPage: true });
  expect(await seriousViolations(page)).toEqual([]);
  const download = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Download JSON' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^reading-\d+-proof\.json$/);
});

test('[11.10(e)][11.50] a tampered message is in quarantine and a manager discards it as an electronic signature with a reason', async ({ page, browser, baseURL, e2eDb, makeUser, signIn, auditRows }) => {
  test.slow();
  const { id } = await seedDevice(e2eDb.prisma);
  const { rows } = await e2eDb.pool.query<{ id: string; sha: string }>("SELECT id::text, encode(raw_sha256, 'hex') AS sha FROM quarantine WHERE device_hint = $1", [id]);
  expect(rows).toHaveLength(1);
  const q = rows[0];

  // An auditor sees it, but may not decide: the buttons say which permission is missing.
  const auditor = await signedIn(browser, baseURL, signIn, await makeUser({ roles: ['Auditor'] }));
  await auditor.page.goto(`/quarantine/${q.id}`);
  for (const name of ['Re-inject', 'Discard']) {
    const button = auditor.page.getByRole('button', { name, exact: true });
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    await expect(button).toHaveAttribute('title', 'Requires the permission quarantine.manage');
  }
  await auditor.ctx.close();

  const manager = await makeUser({ roles: ['QA Approver'] });
  await signIn(page, manager);
  await page.goto('/quarantine?status=held&reason=schema_hash_mismatch');
  const row = page.getByRole('table', { name: 'Quarantined messages' }).locator('tbody tr').filter({ hasText: id });
  await expect(row).toContainText('Content changed after signing');
  await expect(row).toContainText('Held');
  await row.getByRole('link', { name: `Q-${q.id}` }).click();
  await expect(page).toHaveURL(new RegExp(`/quarantine/${q.id}$`));

  // The sealed metadata, and the hash of the bytes as they arrived.
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Q-${q.id}`);
  await expect(page.getByTestId('quarantine-sha256')).toHaveText(q.sha);
  await expect(page.getByText('Bytes match the sealed hash')).toBeVisible();
  await expect(page.getByRole('main')).toContainText(`cold/${id}`);

  // Discard is a signed decision in the one signing dialog: nothing happens on one click, and a
  // reason is required.
  await page.getByRole('button', { name: 'Discard', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Electronic signature: Discard the message' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Meaning of this signature')).toHaveValue('RESPONSIBILITY');
  await dialog.getByLabel('Employee ID').fill(manager.employeeId);
  await dialog.getByLabel('Password').fill(manager.password);
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(dialog.getByRole('alert')).toContainText('Give the reason');
  expect(await auditRows('quarantine.discard', q.id)).toHaveLength(0);
  const reason = 'Tampered in transit: value differs from the signed schema hash; device re-sent the reading';
  await dialog.getByLabel('Reason for the decision (required)').fill(reason);
  await dialog.getByLabel('Password').fill(manager.password);
  await page.screenshot({ path: test.info().outputPath('quarantine-discard-dialog.png'), fullPage: true });
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('quarantine-decision-reason')).toHaveText(reason);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Discarded');
  await page.screenshot({ path: test.info().outputPath('quarantine-discarded.png'), fullPage: true });

  const audit = await auditRows('quarantine.discard', q.id);
  expect(audit).toHaveLength(1);
  expect(audit[0]).toMatchObject({
    actor_type: 'user',
    actor_id: manager.employeeId,
    entity_type: 'Quarantine',
    reason,
    new_value: { status: 'discarded', meaning: 'RESPONSIBILITY', printedName: manager.displayName, employeeId: manager.employeeId, contentHash: q.sha },
  });
  const [sealed] = (await e2eDb.pool.query("SELECT status, decided_by, encode(raw_sha256, 'hex') AS sha FROM quarantine WHERE id = $1", [q.id])).rows;
  expect(sealed).toEqual({ status: 'discarded', decided_by: manager.employeeId, sha: q.sha });
});

test('[a11y] telemetry, quarantine and devices pages have no serious or critical axe violations', async ({ page, e2eDb, makeUser, signIn }) => {
  test.slow();
  const { id } = await seedDevice(e2eDb.prisma);
  const { rows } = await e2eDb.pool.query<{ id: string }>('SELECT id::text FROM quarantine WHERE device_hint = $1', [id]);
  // The Auditor role reads telemetry, quarantine and devices.
  await signIn(page, await makeUser({ roles: ['Auditor'] }));
  await page.goto(`/telemetry?device=${id}&range=1h`);
  await expect(page.getByRole('img', { name: new RegExp(`^${id}:`) })).toBeVisible();
  await page.getByRole('button', { name: 'Show table' }).click();
  expect(await seriousViolations(page)).toEqual([]);
  for (const path of ['/quarantine', `/quarantine/${rows[0].id}`, '/admin/devices', `/admin/devices/${id}`]) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    expect(await seriousViolations(page), path).toEqual([]);
  }
});
