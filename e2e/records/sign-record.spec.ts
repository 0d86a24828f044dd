import { spawnSync } from 'node:child_process';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { expect, test, type TE2eUser } from '../fixtures';

// Records and their electronic signatures through the UI: three people, three meanings, one
// record; the manifestations on screen and on paper; an edit without a reason; accessibility.

/** Another person in another browser (their own cookies), signed in through the UI. */
async function personPage(
  browser: Browser,
  signIn: (p: Page, u: TE2eUser) => Promise<void>,
  user: TE2eUser,
  opts: { timezoneId?: string } = {},
): Promise<Page> {
  const context = await browser.newContext({ baseURL: test.info().project.use.baseURL, timezoneId: opts.timezoneId });
  const page = await context.newPage();
  await signIn(page, user);
  return page;
}

/** Creates a batch record through the form; returns its id and number. */
async function createBatchRecord(page: Page, title: string): Promise<{ id: string; number: string }> {
  await page.goto('/records/new');
  await expect(page.getByLabel('Kind')).toHaveValue('batch_record');
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Product').fill('Amoxicillin 500 mg capsules');
  await page.getByLabel('Batch number').fill('B-2026-0042');
  await page.getByLabel('Quantity').fill('1250');
  await page.getByLabel('Unit').fill('kg');
  await page.getByLabel('Manufactured on').fill('2026-11-20');
  await page.getByRole('button', { name: 'Create record' }).click();
  await expect(page).toHaveURL(/\/records\/[0-9a-f-]{36}$/);
  const id = page.url().split('/').at(-1)!;
  const number = (await page.getByRole('heading', { level: 1 }).locator('span.font-mono').textContent())!.trim();
  expect(number).toMatch(/^BR-\d{6}$/);
  return { id, number };
}

async function sign(page: Page, user: TE2eUser, opts: { button: string; meaning: string; password?: string }) {
  await page.getByRole('button', { name: opts.button }).click();
  const dialog = page.getByRole('dialog', { name: `Electronic signature: ${opts.button}` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Your signature is the legally binding equivalent of your handwritten signature (21 CFR 11.100)');
  await expect(dialog.getByLabel('Meaning of this signature')).toHaveValue(opts.meaning);
  await expect(dialog.getByLabel('Meaning of this signature')).toBeFocused();
  await dialog.getByLabel('Employee ID').fill(user.employeeId);
  await dialog.getByLabel('Password').fill(opts.password ?? user.password);
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  return dialog;
}

function pdfText(pdf: Buffer): string {
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr}`);
  return r.stdout.replace(/\s+/g, ' ');
}

test('[11.50] author creates and signs, reviewer reviews, approver approves: three manifestations on screen and in the PDF', async ({
  page,
  browser,
  makeUser,
  signIn,
  auditRows,
}) => {
  test.setTimeout(90_000);
  const author = await makeUser({ roles: ['Operator'] });
  const reviewer = await makeUser({ roles: ['QA Reviewer'] });
  const approver = await makeUser({ roles: ['QA Approver'] });

  await signIn(page, author);
  const { id, number } = await createBatchRecord(page, 'Granulation batch B-2026-0042');
  await expect(page.getByRole('main')).toContainText('Draft');

  // A wrong password is refused with the service's message, and nothing is signed.
  const refused = await sign(page, author, { button: 'Sign and submit for review', meaning: 'AUTHORSHIP', password: 'not my password 123' });
  await expect(refused.getByRole('alert')).toHaveText('Signature refused: wrong password');
  await expect(refused.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await refused.getByRole('button', { name: 'Cancel' }).click();
  await expect(refused).toBeHidden();
  expect(await auditRows('record.sign', id)).toHaveLength(0);

  const authored = await sign(page, author, { button: 'Sign and submit for review', meaning: 'AUTHORSHIP' });
  await expect(authored).toBeHidden();
  await expect(page.getByTestId('signature')).toHaveCount(1);
  await expect(page.getByRole('main')).toContainText('In review');

  const reviewerPage = await personPage(browser, signIn, reviewer);
  // A reviewer may not create records: the button says which permission is missing.
  await reviewerPage.goto('/records');
  const newRecord = reviewerPage.getByRole('button', { name: 'New record' });
  await expect(newRecord).toHaveAttribute('aria-disabled', 'true');
  await expect(newRecord).toHaveAttribute('title', 'Requires the permission records.create');
  await reviewerPage.goto(`/records/${id}`);
  // In review: the reviewer may review or reject.
  await expect(reviewerPage.getByRole('button', { name: 'Reject' })).toBeVisible();
  await expect(await sign(reviewerPage, reviewer, { button: 'Sign review', meaning: 'REVIEW' })).toBeHidden();
  await expect(reviewerPage.getByTestId('signature')).toHaveCount(2);

  // The approver works in Berlin: signing times also show in the viewer's zone (CET in November).
  const approverPage = await personPage(browser, signIn, approver, { timezoneId: 'Europe/Berlin' });
  await approverPage.goto(`/records/${id}`);
  await expect(await sign(approverPage, approver, { button: 'Sign approval', meaning: 'APPROVAL' })).toBeHidden();

  // On screen: three manifestations, in signing order, each with name, ID, meaning and time.
  const signatures = approverPage.getByTestId('signature');
  await expect(signatures).toHaveCount(3);
  const expected = [
    [author, 'AUTHORSHIP'],
    [reviewer, 'REVIEW'],
    [approver, 'APPROVAL'],
  ] as const;
  for (const [i, [who, meaning]] of expected.entries()) {
    const s = signatures.nth(i);
    await expect(s.getByTestId('signature-name')).toHaveText(who.displayName);
    await expect(s.getByTestId('signature-meaning')).toHaveText(meaning);
    await expect(s).toContainText(`(${who.employeeId})`);
    await expect(s).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    await expect(s.getByTestId('local-time')).toHaveText(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (CET|CEST|GMT\+\d)$/);
    await expect(s).not.toContainText('INVALID');
  }
  await expect(approverPage.getByRole('main').getByText('Approved').first()).toBeVisible();
  // No transition is left for an approved record.
  await expect(approverPage.getByRole('main').getByRole('button', { name: /^(Sign |Reject)/ })).toHaveCount(0);

  // On paper: the same manifestations in the PDF.
  const res = await approverPage.request.get(`/api/records/${id}/pdf`);
  expect(res.status()).toBe(200);
  expect(res.headers()['content-type']).toBe('application/pdf');
  expect(res.headers()['content-disposition']).toContain(`filename="${number}.pdf"`);
  expect(res.headers()['cache-control']).toContain('no-store');
  const text = pdfText(await res.body());
  expect(text).toContain(number);
  for (const [who, meaning] of expected) {
    expect(text).toMatch(new RegExp(`${who.displayName} \\(${who.employeeId}\\) — ${meaning} — \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC`));
  }
  expect(text).toContain(`printed by ${approver.displayName} (${approver.employeeId})`);
  // Labels as on screen, in the kind's order; no stored key names; no blank trailing page.
  expect(text).toMatch(/Title: .*Product: Amoxicillin 500 mg capsules.*Batch number: B-2026-0042.*Quantity: 1250.*Unit: kg.*Manufactured on: 2026-11-20/);
  expect(text).not.toContain('batchNumber');
  const pages = text.match(/page \d+ of \d+/g) ?? [];
  const total = Number(/of (\d+)/.exec(pages[0] ?? '')?.[1]);
  expect(pages).toEqual(Array.from({ length: total }, (_, i) => `page ${i + 1} of ${total}`));
  expect(text.match(/printed by /g)).toHaveLength(total);

  // And in the audit trail: three signings, attributed, with their meanings.
  const signed = await auditRows('record.sign', id);
  expect(signed.map((r) => [r.actor_id, (r.new_value as { meaning: string }).meaning])).toEqual([
    [author.employeeId, 'AUTHORSHIP'],
    [reviewer.employeeId, 'REVIEW'],
    [approver.employeeId, 'APPROVAL'],
  ]);
  await reviewerPage.context().close();
  await approverPage.context().close();
});

test('[11.10(e)] editing without a reason shows a field error and writes nothing', async ({ page, makeUser, signIn, auditRows }) => {
  const author = await makeUser({ roles: ['Operator'] });
  await signIn(page, author);
  const { id } = await createBatchRecord(page, 'Blending batch B-2026-0043');

  await page.getByRole('link', { name: 'Edit' }).click();
  await expect(page).toHaveURL(new RegExp(`/records/${id}/edit$`));
  const title = page.getByLabel('Title');
  await expect(title).toHaveValue('Blending batch B-2026-0043');
  await title.fill('Blending batch B-2026-0043 (corrected)');
  await page.getByRole('button', { name: 'Save new version' }).click();

  const reason = page.getByLabel('Reason for change');
  await expect(reason).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Give the reason for this change')).toBeVisible();
  await expect(reason).toBeFocused();
  // The typed change is still there to finish, and nothing was written.
  await expect(title).toHaveValue('Blending batch B-2026-0043 (corrected)');
  await expect(page).toHaveURL(new RegExp(`/records/${id}/edit$`));
  expect(await auditRows('record.edit', id)).toHaveLength(0);
  await page.goto(`/records/${id}`);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Blending batch B-2026-0043');
  await expect(page.getByRole('heading', { level: 1 })).not.toContainText('corrected');
  await expect(page.getByRole('main')).toContainText('version 1');

  // With a reason, the same edit makes version 2 and records old → new with the reason.
  await page.goto(`/records/${id}/edit`);
  await page.getByLabel('Title').fill('Blending batch B-2026-0043 (corrected)');
  await page.getByLabel('Reason for change').fill('Batch number typo in the title');
  await page.getByRole('button', { name: 'Save new version' }).click();
  await expect(page).toHaveURL(new RegExp(`/records/${id}$`));
  await expect(page.getByRole('main')).toContainText('version 2');
  const diff = page.getByTestId('version-diff');
  await expect(diff).toContainText('Blending batch B-2026-0043 (corrected)');
  const edits = await auditRows('record.edit', id);
  expect(edits).toHaveLength(1);
  expect(edits[0]).toMatchObject({ actor_id: author.employeeId, reason: 'Batch number typo in the title' });
});

test('[UI] record detail page has no serious or critical accessibility violations', async ({ page, browser, makeUser, signIn }) => {
  // Three pages scanned by axe, two people signed in: slow on a shared two-core machine.
  test.setTimeout(60_000);
  const author = await makeUser({ roles: ['Operator'] });
  const reviewer = await makeUser({ roles: ['QA Reviewer'] });
  await signIn(page, author);
  const { id } = await createBatchRecord(page, 'Accessibility check batch');
  await sign(page, author, { button: 'Sign and submit for review', meaning: 'AUTHORSHIP' });
  await expect(page.getByTestId('signature')).toHaveCount(1);
  await page.goto(`/records/${id}`);
  await expect(page.getByTestId('local-time')).toContainText(/\d{2}:\d{2}:\d{2}/);

  const seriousOn = async (p: Page) =>
    (await new AxeBuilder({ page: p }).analyze()).violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  const serious = () => seriousOn(page);
  // The author sees the review disabled, with the permission it needs.
  await expect(page.getByRole('button', { name: 'Sign review' })).toHaveAttribute('aria-disabled', 'true');
  expect(await serious()).toEqual([]);

  // The open signature dialog (the reviewer's): checked too, and it closes with Escape, focus back on its button.
  const reviewerPage = await personPage(browser, signIn, reviewer);
  await reviewerPage.goto(`/records/${id}`);
  const trigger = reviewerPage.getByRole('button', { name: 'Sign review' });
  await trigger.click();
  const dialog = reviewerPage.getByRole('dialog', { name: 'Electronic signature: Sign review' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByLabel('Meaning of this signature')).toBeFocused();
  expect(await seriousOn(reviewerPage)).toEqual([]);
  await reviewerPage.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(trigger).toBeFocused();
  await reviewerPage.context().close();

  await page.goto('/records');
  await expect(page.getByRole('table', { name: 'Records' })).toBeVisible();
  expect(await serious()).toEqual([]);
});

test('[UI] the records list sorts and pages on the server, with its state in the address', async ({ page, makeUser, signIn }) => {
  test.setTimeout(60_000);
  const author = await makeUser({ roles: ['Operator'] });
  await signIn(page, author);
  // Six records only this test can find (search by its token), so the order and the pages are known.
  const token = `zq${Date.now().toString(36)}`;
  const titles = ['A', 'B', 'C', 'D', 'E', 'F'].map((l) => `${token} ${l}`);
  for (const t of [...titles].reverse()) await createBatchRecord(page, t);

  await page.goto(`/records?q=${token}&pageSize=5`);
  const table = page.getByRole('table', { name: 'Records' });
  const titleCells = table.locator('tbody tr td:nth-child(2)');
  // Newest first by default: created F … A, so A is the newest.
  await expect(table.getByRole('columnheader', { name: 'Updated (UTC)' })).toHaveAttribute('aria-sort', 'descending');
  await expect(titleCells).toHaveText(titles.slice(0, 5));
  await expect(page.getByText('Page 1 of 2 · 6 rows')).toBeVisible();

  // Sorting by keyboard: focus the header button, press Enter; the address holds the new order.
  const titleHeader = table.getByRole('columnheader', { name: 'Title' });
  await expect(titleHeader).toHaveAttribute('aria-sort', 'none');
  await titleHeader.getByRole('button').focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/sort=title&dir=asc/);
  await expect(titleHeader).toHaveAttribute('aria-sort', 'ascending');
  await expect(titleCells).toHaveText(titles.slice(0, 5));
  await titleHeader.getByRole('button').click();
  await expect(page).toHaveURL(/sort=title&dir=desc/);
  await expect(titleHeader).toHaveAttribute('aria-sort', 'descending');
  await expect(titleCells).toHaveText([...titles].reverse().slice(0, 5));

  // Paging is a plain link that keeps the filter and the order.
  await page.getByRole('link', { name: 'Next →' }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(page).toHaveURL(new RegExp(`q=${token}`));
  await expect(titleCells).toHaveText([titles[0]]);
  await expect(page.getByText('Page 2 of 2 · 6 rows')).toBeVisible();

  // An impossible filter value is explained, not a crash.
  await page.goto('/records?kind=spaceship');
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Kind “spaceship” is not one of the choices. Choose another kind or clear the filters.');
  await expect(page.getByLabel('Kind')).toHaveAttribute('aria-invalid', 'true');
});

test('[11.200(a)(1)(i)] in a continuous session the next signing asks only for the password; a rejection needs a reason', async ({
  browser,
  startServer,
  makeUser,
  signIn,
  auditRows,
}) => {
  test.setTimeout(90_000);
  const server = await startServer({ CUSTOS_CONTINUOUS_SESSION_SIGNING: '1' });
  // Authors and rejects (a reviewer's permission): two signings in one session.
  const author = await makeUser({ roles: ['Operator', 'QA Reviewer'] });
  const context = await browser.newContext({ baseURL: server.baseURL });
  try {
    const page = await context.newPage();
    await signIn(page, author);
    const { id } = await createBatchRecord(page, 'Continuous session batch');
    // The first signing of the session re-enters both components.
    await expect(await sign(page, author, { button: 'Sign and submit for review', meaning: 'AUTHORSHIP' })).toBeHidden();

    await page.getByRole('button', { name: 'Reject' }).click();
    const dialog = page.getByRole('dialog', { name: 'Electronic signature: Reject' });
    await expect(dialog.getByLabel('Employee ID')).toHaveCount(0);
    await expect(dialog).toContainText('your password alone completes this signature');
    await dialog.getByLabel('Password').fill(author.password);
    await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect(dialog.getByRole('alert')).toHaveText('A rejection needs a comment saying why');
    await expect(dialog.getByLabel('Reason for rejection')).toHaveAttribute('aria-invalid', 'true');

    await dialog.getByLabel('Reason for rejection').fill('Wrong product code on the label');
    await dialog.getByLabel('Password').fill(author.password);
    await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('signature')).toHaveCount(2);
    await expect(page.getByTestId('signature').nth(1)).toContainText('Comment: Wrong product code on the label');

    const signed = await auditRows('record.sign', id);
    expect(signed.map((r) => (r.new_value as { meaning: string }).meaning)).toEqual(['AUTHORSHIP', 'REJECTION']);
    expect(signed[1].reason).toBe('Wrong product code on the label');
  } finally {
    await context.close();
  }
});

test('[11.10(e)] retiring a record asks for the reason, keeps the record readable and audits the reason', async ({ page, browser, makeUser, signIn, auditRows }) => {
  const [author, approver] = await Promise.all([makeUser({ roles: ['Operator'] }), makeUser({ roles: ['QA Approver'] })]);
  await signIn(page, author);
  const { id, number } = await createBatchRecord(page, 'Batch record to retire');

  const qa = await personPage(browser, signIn, approver);
  await qa.goto(`/records/${id}`);
  const trigger = qa.getByRole('button', { name: 'Retire' });
  await trigger.click();
  const dialog = qa.getByRole('dialog', { name: `Retire ${number}` });
  await expect(dialog).toBeVisible();
  // No reason: refused on the server, nothing retired, the dialog stays open with the message.
  await dialog.getByRole('button', { name: 'Retire record' }).click();
  await expect(dialog.getByRole('alert')).toBeVisible();
  await expect(dialog.getByLabel('Reason for retiring')).toHaveAttribute('aria-invalid', 'true');
  expect(await auditRows('record.retire', id)).toHaveLength(0);

  await dialog.getByLabel('Reason for retiring').fill('Duplicate of an existing batch record');
  await dialog.getByRole('button', { name: 'Retire record' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(trigger).toHaveCount(0);
  await expect(qa.getByRole('main')).toContainText(/retired/i);
  const rows = await auditRows('record.retire', id);
  expect(rows).toHaveLength(1);
  expect(rows[0].reason).toBe('Duplicate of an existing batch record');
  expect(rows[0].actor_id).toBe(approver.employeeId);
  await qa.context().close();
});
