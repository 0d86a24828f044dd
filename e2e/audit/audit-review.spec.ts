import AxeBuilder from '@axe-core/playwright';
import { authenticate } from '@/lib/auth/authenticate';
import { expect, test } from '../fixtures';

// Annex 11 §9 through the UI: a QA reviewer opens a review of a period, marks the listed events
// seen and closes it with an electronic signature (REVIEW).

test('[Annex 11 §9] a QA reviewer opens a review, marks the listed events seen and signs it', async ({ page, e2eDb, makeUser, signIn, auditRows }) => {
  test.setTimeout(90_000);
  const reviewer = await makeUser({ roles: ['QA Reviewer'] });
  const other = await makeUser({ roles: ['Operator'] });
  // Something to list: a failed sign-in by another person (through the sign-in service).
  expect((await authenticate(e2eDb.prisma, { employeeId: other.employeeId, password: 'certainly not the password 9' })).ok).toBe(false);
  await expect.poll(async () => (await auditRows('auth.sign_in_failed')).filter((r) => r.actor_id === other.employeeId).length).toBe(1);
  // The period ends on the first whole second after that event (it lists events before its end),
  // and a review covers only a period that has ended.
  const periodEnd = Math.ceil((Date.now() + 1) / 1000) * 1000;

  await signIn(page, reviewer);
  await page.goto('/audit/reviews');
  // The last few minutes (UTC): other tests' events may be listed too.
  const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19);
  await page.getByLabel('From (UTC)').fill(utc(Date.now() - 3 * 60_000));
  await page.getByLabel('To (UTC)').fill(utc(periodEnd));
  await expect.poll(() => Date.now()).toBeGreaterThan(periodEnd);
  await page.getByRole('button', { name: 'Open review' }).click();
  await expect(page).toHaveURL(/\/audit\/reviews\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('review-item').filter({ hasText: other.employeeId })).toHaveCount(1);
  const serious = async () =>
    (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  expect(await serious()).toEqual([]);
  await expect(page.getByRole('button', { name: 'Sign review' })).toHaveAttribute('aria-disabled', 'true');

  // Mark every page seen (the ticked boxes of each page).
  for (let i = 0; i < 40; i++) {
    const mark = page.getByRole('button', { name: 'Mark ticked events seen' });
    const next = page.getByRole('link', { name: 'Next →' });
    if (await mark.count()) {
      await mark.click();
      await expect(mark).toHaveCount(0);
    } else if (await next.count()) await next.click();
    else break;
  }
  await expect(page.getByTestId('review-progress')).toContainText(/(\d+) of \1 listed events seen/);
  await page.getByLabel('Finding').selectOption('observation');
  await page.getByRole('button', { name: 'Sign review' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Describe the observation').fill('One failed sign-in by an operator; no pattern');
  await dialog.getByLabel('Employee ID').fill(reviewer.employeeId);
  await dialog.getByLabel('Password').fill(reviewer.password);
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(page.getByRole('main')).toContainText('closed · observation');
  await page.screenshot({ path: test.info().outputPath('audit-review.png'), fullPage: true });
  const closed = (await auditRows('audit_review.close')).filter((r) => r.actor_id === reviewer.employeeId);
  expect(closed).toHaveLength(1);
  expect(closed[0].new_value).toMatchObject({ meaning: 'REVIEW', finding: 'observation' });
});
