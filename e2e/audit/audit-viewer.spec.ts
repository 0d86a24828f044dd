import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { expect, test, type TE2eUser } from '../fixtures';

// The audit trail viewer (/audit): filtering, the detail drawer, chain verification and the
// exports, as an auditor and as people who may not export; accessibility.

/** Signs `user` in `times` times, each in a fresh browser: every sign-in is an auth.sign_in event by them. */
async function signInRepeatedly(browser: Browser, signIn: (p: Page, u: TE2eUser) => Promise<void>, user: TE2eUser, times: number) {
  for (let i = 0; i < times; i++) {
    const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
    await signIn(await context.newPage(), user);
    await context.close();
  }
}

async function filterByActor(page: Page, employeeId: string) {
  await page.goto('/audit');
  await page.getByRole('search', { name: 'Filter the audit trail' }).getByLabel('Actor').fill(employeeId);
  await page.getByRole('button', { name: 'Apply filter' }).click();
  await expect(page).toHaveURL(new RegExp(`[?&]actor=${employeeId}`));
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

test('[11.10(e)] auditor filters by actor, opens a detail, verifies the chain from the UI', async ({ page, browser, makeUser, signIn, auditRows }) => {
  test.setTimeout(120_000);
  const operator = await makeUser({ roles: ['Operator'] });
  const auditor = await makeUser({ roles: ['Auditor'] });
  await signInRepeatedly(browser, signIn, operator, 2);

  await signIn(page, auditor);
  await filterByActor(page, operator.employeeId);
  const rows = page.locator('tbody tr[data-seq]');
  await expect(rows).toHaveCount(2);
  for (const row of await rows.all()) {
    await expect(row).toContainText(operator.employeeId);
    await expect(row).toContainText('auth.sign_in');
  }
  const signIns = (await auditRows('auth.sign_in')).filter((r) => r.actor_id === operator.employeeId);
  expect(signIns).toHaveLength(2);
  // Newest first.
  await expect(rows.first()).toHaveAttribute('data-seq', signIns[1].seq);

  // A click opens the drawer with every field.
  await rows.first().click();
  const drawer = page.getByRole('dialog', { name: `Event ${signIns[1].seq}` });
  await expect(drawer).toBeVisible();
  await expect(drawer).toContainText('auth.sign_in');
  await expect(drawer).toContainText(`${operator.displayName} (${operator.employeeId})`);
  await expect(drawer).toContainText(/Session:\S+/);
  await expect(drawer.getByText(/^[0-9a-f]{64}$/)).toBeVisible(); // the event hash
  await expect(drawer.getByRole('link', { name: 'All events by this actor' })).toHaveAttribute('href', `/audit?actor=${operator.employeeId}`);
  await expect(drawer.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(rows.first()).toBeFocused();

  // Keyboard only: ↓ to the next row, Enter opens it.
  await page.keyboard.press('ArrowDown');
  await expect(rows.nth(1)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: `Event ${signIns[0].seq}` })).toBeVisible();
  await page.getByRole('button', { name: 'Close' }).click();

  // Verify the whole chain.
  const before = (await auditRows('audit.verify')).length;
  await page.getByRole('button', { name: 'Verify chain' }).click();
  const result = page.getByTestId('verify-result');
  await expect(result).toContainText('OK — the chain is intact', { timeout: 30_000 });
  await expect(result).toContainText(/Head\s*seq \d+, hash [0-9a-f]{64}/);
  await expect(result).toContainText(/Signatures\s*\d+ checked/);
  const verifications = await auditRows('audit.verify');
  expect(verifications).toHaveLength(before + 1);
  const mine = verifications.at(-1)!;
  expect(mine.actor_id).toBe(auditor.employeeId);
  expect(mine.new_value).toMatchObject({ ok: true, broken: null });
});

test('[11.10(b)] auditor exports CSV and PDF of the filtered trail', async ({ page, browser, makeUser, signIn, auditRows }) => {
  test.setTimeout(120_000);
  const operator = await makeUser({ roles: ['Operator'] });
  const auditor = await makeUser({ roles: ['Auditor'] });
  await signInRepeatedly(browser, signIn, operator, 2);
  await signIn(page, auditor);
  await filterByActor(page, operator.employeeId);
  const exportPanel = page.getByRole('region', { name: 'Export' });
  await expect(exportPanel).toContainText(`actor=${operator.employeeId}`);

  const csvDownload = page.waitForEvent('download');
  await exportPanel.getByRole('button', { name: 'CSV' }).click();
  const csvFile = await csvDownload;
  expect(csvFile.suggestedFilename()).toMatch(/^custos-audit-main-[\d-]+\.csv$/);
  const csv = await readFile((await csvFile.path())!, 'utf8');
  const lines = csv.split('\r\n');
  // RFC 4180: the column names are the first line; no metadata block before them.
  expect(lines[0]).toBe('seq,occurred_at_utc,actor_type,actor_id,actor_name,actor_role,session_id,action,entity_type,entity_id,old_value,new_value,reason,context_ref,hash,prev_hash');
  expect(csv).not.toContain('exported_by');
  const data = lines.filter((l) => /^\d+,/.test(l));
  expect(data).toHaveLength(2);
  for (const l of data) expect(l).toContain(`,user,${operator.employeeId},`);
  await expect(exportPanel.getByRole('status')).toContainText(/Saved custos-audit-main-[\d-]+\.csv \(2 events/);

  const pdfDownload = page.waitForEvent('download');
  await exportPanel.getByRole('button', { name: 'PDF' }).click();
  const pdfFile = await pdfDownload;
  const pdf = await readFile((await pdfFile.path())!);
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const text = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
  expect(text.status, text.stderr).toBe(0);
  expect(text.stdout).toContain('Audit trail export');
  expect(text.stdout).toContain('page 1 of');
  expect(text.stdout).toContain(operator.employeeId);

  // 21 CFR 11.10(b): both exports are in the trail, with who, the filter, the format and the rows.
  await expect
    .poll(async () => (await auditRows('audit.export')).filter((r) => r.actor_id === auditor.employeeId).map((r) => (r.new_value as { format: string }).format))
    .toEqual(['csv', 'pdf']);
  for (const r of (await auditRows('audit.export')).filter((x) => x.actor_id === auditor.employeeId)) {
    expect(r.new_value).toMatchObject({ status: 'completed', rows: 2, filter: { actor: operator.employeeId }, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // The export's metadata lives in its audit event, not in the file.
    expect(r.new_value).toMatchObject({ exportedBy: `${auditor.displayName} (${auditor.employeeId})`, filterText: `actor=${operator.employeeId}`, verification: expect.stringMatching(/intact/) });
  }
});

test('[11.10(g)] an operator without audit.export sees the export disabled and a direct request is 403', async ({ page, browser, makeUser, signIn, auditRows }) => {
  test.setTimeout(90_000);
  // QA Reviewer: audit.read, but neither audit.export nor audit.verify.
  const reviewer = await makeUser({ roles: ['QA Reviewer'] });
  await signIn(page, reviewer);
  await page.goto('/audit');
  const exportPanel = page.getByRole('region', { name: 'Export' });
  for (const name of ['CSV', 'PDF', 'Evidence bundle']) {
    const button = exportPanel.getByRole('button', { name });
    await expect(button).toHaveAttribute('aria-disabled', 'true');
    await expect(button).toHaveAttribute('title', 'Requires the permission audit.export');
    await expect(button).toHaveAccessibleDescription('Requires the permission audit.export');
  }
  // Pressed anyway (it stays focusable, to say why): nothing starts.
  await exportPanel.getByRole('button', { name: 'CSV' }).click({ force: true });
  await expect(exportPanel.getByRole('progressbar')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Verify chain' })).toHaveAttribute('title', 'Requires the permission audit.verify');

  // A hidden button is not a control: the endpoint refuses, and the refusal is audited.
  const res = await page.request.get(`/api/audit/export?format=csv&actor=${reviewer.employeeId}`);
  expect(res.status()).toBe(403);
  expect(((await res.json()) as { error: { message: string } }).error.message).toBe('You do not have the permission audit.export');
  const refused = (await auditRows('audit.export_refused')).filter((r) => r.actor_id === reviewer.employeeId);
  expect(refused).toHaveLength(1);
  expect(refused[0].new_value).toMatchObject({ format: 'csv', filter: { actor: reviewer.employeeId } });
  expect((await auditRows('audit.export')).filter((r) => r.actor_id === reviewer.employeeId)).toHaveLength(0);

  // An operator may not even read the trail: the page says so, the endpoint answers 403.
  const operator = await makeUser({ roles: ['Operator'] });
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const opPage = await context.newPage();
  await signIn(opPage, operator);
  await expect(opPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit trail' })).toHaveCount(0);
  await opPage.goto('/audit');
  await expect(opPage.getByRole('main')).toContainText('You do not have the permission audit.read');
  expect((await opPage.request.get('/api/audit/export?format=csv')).status()).toBe(403);
  await context.close();
});

test('[UI] /audit has no serious accessibility violations, and an invalid filter names its field', async ({ page, makeUser, signIn }) => {
  test.setTimeout(90_000);
  const auditor = await makeUser({ roles: ['Auditor'] });
  await signIn(page, auditor);
  await page.goto('/audit');
  await expect(page.locator('tbody tr[data-seq]').first()).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  await page.locator('tbody tr[data-seq]').first().click();
  await expect(page.getByRole('dialog')).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await page.keyboard.press('Escape');

  // The service would answer 400; the page answers 200 and says which field is wrong.
  const res = await page.goto('/audit?fromSeq=12a&actor=anyone');
  expect(res?.status()).toBe(200);
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Invalid filter — Seq from: must be a whole number. Correct it or clear the filter.');
  await expect(page.getByLabel('Seq from')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Actor')).toHaveValue('anyone');
  expect(await seriousViolations(page)).toEqual([]);
});

test('[11.10(e)] the detail of an edit shows the field-level change above the raw JSON, and entities by their human reference', async ({ page, browser, makeUser, signIn }) => {
  test.setTimeout(90_000);
  const author = await makeUser({ roles: ['Operator'] });
  const auditor = await makeUser({ roles: ['Auditor'] });
  const ctx = await browser.newContext({ baseURL: test.info().project.use.baseURL });
  const ap = await ctx.newPage();
  await signIn(ap, author);
  await ap.goto('/records/new');
  await ap.getByLabel('Title').fill('Diffed batch');
  await ap.getByLabel('Product').fill('Amoxicillin 250 mg');
  await ap.getByLabel('Batch number').fill('B-2026-0100');
  await ap.getByLabel('Quantity').fill('5');
  await ap.getByLabel('Unit').fill('kg');
  await ap.getByLabel('Manufactured on').fill('2026-11-20');
  await ap.getByRole('button', { name: 'Create record' }).click();
  await expect(ap).toHaveURL(/\/records\/[0-9a-f-]{36}$/);
  const id = ap.url().split('/').at(-1)!;
  const number = (await ap.getByRole('heading', { level: 1 }).locator('span.font-mono').textContent())!.trim();
  await ap.goto(`/records/${id}/edit`);
  await ap.getByLabel('Product').fill('Amoxicillin 500 mg');
  await ap.getByLabel('Reason for change').fill('Strength was mistyped');
  await ap.getByRole('button', { name: 'Save new version' }).click();
  await expect(ap).toHaveURL(new RegExp(`/records/${id}$`));
  await ctx.close();

  await page.setViewportSize({ width: 1366, height: 900 });
  await signIn(page, auditor);
  await page.goto(`/audit?${new URLSearchParams({ action: 'record.edit', entityType: 'Record', entityId: id })}`);
  const row = page.locator('tbody tr[data-seq]');
  await expect(row).toHaveCount(1);
  // The entity and the context ref by the record's number; the UUID on hover.
  await expect(row.getByTitle(`Record:${id}`, { exact: true })).toHaveText(number);
  const ctxRef = row.getByTestId('context-ref');
  await expect(ctxRef).toHaveText(`${number}/v2`);
  await expect(ctxRef).toHaveAttribute('title', `Record:${id}/v2`);
  // Wrapped, not cut: nothing of it is hidden.
  expect(await ctxRef.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

  await row.click();
  const drawer = page.getByRole('dialog', { name: /^Event \d+$/ });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByTestId('entity-ref')).toHaveAttribute('title', `Record:${id}`);
  await expect(drawer.getByTestId('entity-ref')).toContainText(number);
  const diff = drawer.getByTestId('field-diff');
  const product = diff.locator('tr[data-change="changed"]').filter({ hasText: 'content.product' });
  await expect(product).toContainText('Amoxicillin 250 mg');
  await expect(product).toContainText('Amoxicillin 500 mg');
  await expect(diff.locator('tr[data-change="changed"]').filter({ hasText: 'content.batchNumber' })).toHaveCount(0);
  await expect(drawer).toContainText(/Unchanged: .*content\.batchNumber/);
  // The field diff comes first; the raw JSON is below it.
  const raw = drawer.getByTestId('raw-json');
  expect((await diff.boundingBox())!.y).toBeLessThan((await raw.boundingBox())!.y);
  await raw.locator('summary').click();
  await expect(raw).toContainText('"product": "Amoxicillin 500 mg"');
  await page.screenshot({ path: test.info().outputPath('audit-edit-detail.png'), fullPage: false });
  expect(await seriousViolations(page)).toEqual([]);
});
