import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from '../fixtures';

// The record page on a phone (390 px): the content stacks, nothing scrolls sideways, and the
// signing dialog fits the screen.

async function noHorizontalScroll(page: Page) {
  return page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
}

test('[UI] at 390 px the record page has no horizontal scroll and the signing dialog fits', async ({ page, makeUser, signIn }) => {
  const author = await makeUser({ roles: ['Operator'] });
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, author);
  await page.goto('/records/new');
  await page.getByLabel('Title').fill('Narrow screen batch with a rather long title to wrap');
  await page.getByLabel('Product').fill('Amoxicillin 500 mg capsules');
  await page.getByLabel('Batch number').fill('B-2026-0390');
  await page.getByLabel('Quantity').fill('1250');
  await page.getByLabel('Unit').fill('kg');
  await page.getByLabel('Manufactured on').fill('2026-11-20');
  await page.getByLabel('Notes').fill('A note with a long unbroken token: ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ');
  await page.getByRole('button', { name: 'Create record' }).click();
  await expect(page).toHaveURL(/\/records\/[0-9a-f-]{36}$/);

  const m = await noHorizontalScroll(page);
  await page.screenshot({ path: test.info().outputPath('record-390.png'), fullPage: true });
  expect(m.scrollWidth, JSON.stringify(m)).toBeLessThanOrEqual(m.innerWidth);
  // The content card and the record card stack: one above the other, each within the screen.
  const content = page.getByRole('region', { name: /^Content · version 1$/ });
  const record = page.getByRole('region', { name: 'Record', exact: true });
  const [a, b] = [(await content.boundingBox())!, (await record.boundingBox())!];
  expect(b.y).toBeGreaterThanOrEqual(a.y + a.height - 1);
  for (const box of [a, b]) expect(box.x + box.width).toBeLessThanOrEqual(390);

  await page.getByRole('button', { name: 'Sign and submit for review' }).click();
  const dialog = page.getByRole('dialog', { name: 'Electronic signature: Sign and submit for review' });
  await expect(dialog).toBeVisible();
  const d = (await dialog.boundingBox())!;
  expect(d.x).toBeGreaterThanOrEqual(0);
  expect(d.x + d.width).toBeLessThanOrEqual(390);
  const md = await noHorizontalScroll(page);
  expect(md.scrollWidth, JSON.stringify(md)).toBeLessThanOrEqual(md.innerWidth);
  await page.screenshot({ path: test.info().outputPath('record-390-dialog.png'), fullPage: true });
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id)).toEqual([]);
});
