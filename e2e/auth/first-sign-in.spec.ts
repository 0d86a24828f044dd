import { expect, test } from '../fixtures';

test('[11.300(b)] first sign-in forces a password change', async ({ page, makeUser, signIn, auditRows }) => {
  const user = await makeUser({ mustChangePassword: true });
  await signIn(page, user);

  await expect(page).toHaveURL(/\/account\/password(\?|$)/);
  await expect(page.getByText('You must choose your own password before you continue.')).toBeVisible();
  // Until the password is changed, the session is not a signed-in one.
  await expect(page.getByTestId('session-user')).toHaveCount(0);

  const newPassword = page.getByLabel(/^New password/);
  await page.getByLabel(/^Current password/).fill(user.password);
  await newPassword.fill('short');
  await page.getByLabel(/^Repeat new password/).fill('short');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(newPassword).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByText('Password must be at least 12 characters')).toBeVisible();
  expect(await auditRows('user.password_change', user.id)).toHaveLength(0);

  const good = 'copper meadow quietly 47 orbit';
  await page.getByLabel(/^Current password/).fill(user.password);
  await newPassword.fill(good);
  await page.getByLabel(/^Repeat new password/).fill(good);
  await page.getByRole('button', { name: 'Change password' }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('session-user')).toHaveText(`${user.displayName} (${user.employeeId})`);
  const changes = await auditRows('user.password_change', user.id);
  expect(changes).toHaveLength(1);
  expect(changes[0]).toMatchObject({ actor_id: user.employeeId, entity_type: 'User', reason: 'changed by the user' });
});
