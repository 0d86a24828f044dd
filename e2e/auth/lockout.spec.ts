import { expect, test } from '../fixtures';

const MSG_INVALID = 'Invalid employee ID or password';
const MSG_LOCKED = 'Account locked — contact an administrator';

test('[11.300(d)] three wrong passwords lock the account; the right password then shows the locked message', async ({
  page,
  makeUser,
  auditRows,
}) => {
  const user = await makeUser();
  await page.goto('/login');
  // Scoped to the page body: Next's route announcer is an (empty) role=alert too.
  const alert = page.getByRole('main').getByRole('alert');

  for (let i = 1; i <= 3; i++) {
    await page.getByLabel('Employee ID').fill(user.employeeId);
    await page.getByLabel('Password').fill(`wrong horse battery ${i}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // The first two failures say nothing about the account; the third locks it.
    await expect(alert).toHaveText(i < 3 ? MSG_INVALID : MSG_LOCKED);
  }

  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(alert).toHaveText(MSG_LOCKED);
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByTestId('session-user')).toHaveCount(0);

  const failed = await auditRows('auth.sign_in_failed', user.id);
  expect(failed.map((r) => (r.new_value as { failedAttempts: number }).failedAttempts)).toEqual([1, 2, 3]);
  expect(failed.every((r) => r.actor_id === user.employeeId && r.reason === 'wrong password')).toBe(true);
  const locks = await auditRows('user.lock', user.id);
  expect(locks).toHaveLength(1);
  expect(locks[0]).toMatchObject({ actor_type: 'system', entity_type: 'User' });
  // The right password on a locked account is refused before it is checked, and recorded.
  const refused = await auditRows('auth.sign_in_refused', user.id);
  expect(refused).toHaveLength(1);
  expect(refused[0].reason).toBe('account locked');
  expect(await auditRows('auth.sign_in')).not.toContainEqual(expect.objectContaining({ actor_id: user.employeeId }));
});
