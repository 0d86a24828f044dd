import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from '../fixtures';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** Moves focus with Tab only (no mouse, no programmatic focus) until `target` has it. */
async function tabTo(page: Page, target: Locator, max = 20) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  await expect(target).toBeFocused();
}

test('[UI] sign-in page has no serious accessibility violations and works by keyboard only', async ({ page, makeUser }) => {
  const user = await makeUser();
  await page.goto('/login');
  const employeeId = page.getByLabel('Employee ID');
  await expect(employeeId).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // Keyboard only from here: focus starts in the first field.
  await expect(employeeId).toBeFocused();
  await page.keyboard.type(user.employeeId);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.type('not the password at all');
  await page.keyboard.press('Enter');
  const alert = page.getByRole('main').getByRole('alert');
  await expect(alert).toHaveText('Invalid employee ID or password');
  // The error state is checked too: the message must be announced and readable.
  expect(await seriousViolations(page)).toEqual([]);

  await tabTo(page, page.getByLabel('Password'));
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('session-user')).toHaveText(`${user.displayName} (${user.employeeId})`);
});
