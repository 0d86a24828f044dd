import { generateSync } from 'otplib';
import { expect, test } from '../fixtures';

test('[URS 4.2] administrator enrols TOTP and then signs in with a code', async ({ page, makeUser, signIn, auditRows }) => {
  const admin = await makeUser({ roles: ['Administrator'] });
  await signIn(page, admin);

  // Without a second factor an administrator gets nothing but the enrolment page.
  await expect(page).toHaveURL(/\/account\/mfa$/);
  // The header shows who is signed in (not "Sign in"), but no navigation until MFA is on.
  await expect(page.getByTestId('session-user')).toHaveText(`${admin.displayName} (${admin.employeeId})`);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = (await page.getByTestId('mfa-secret').textContent())?.trim() ?? '';
  expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
  await page.getByLabel(/^Code/).fill(generateSync({ secret }));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();

  const codes = page.getByTestId('recovery-codes').getByRole('listitem');
  await expect(codes).toHaveCount(10);
  await expect(codes.first()).toHaveText(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
  expect(await auditRows('user.mfa_enrol', admin.id)).toHaveLength(1);

  await page.getByRole('link', { name: 'Continue' }).click();
  await expect(page.getByTestId('session-user')).toHaveText(`${admin.displayName} (${admin.employeeId})`);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);

  // The password alone is no longer enough.
  await page.getByLabel('Employee ID').fill(admin.employeeId);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('main').getByRole('alert');
  await expect(alert).toHaveText('Enter the 6-digit code from your authenticator app');
  const code = page.getByLabel('Authentication code');
  await expect(code).toBeFocused();
  const wrong = generateSync({ secret }) === '000000' ? '111111' : '000000';
  await code.fill(wrong);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(alert).toHaveText('Invalid authentication code');
  expect(await auditRows('auth.mfa_failed', admin.id)).toHaveLength(1);
  // The next time step's code (a phone a few seconds ahead shows it): the code entered at
  // enrolment may not be accepted twice (RFC 6238 §5.2).
  await code.fill(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
  await page.getByRole('button', { name: 'Sign in' }).click();

  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('session-user')).toHaveText(`${admin.displayName} (${admin.employeeId})`);
  const signIns = (await auditRows('auth.sign_in')).filter((r) => r.actor_id === admin.employeeId);
  expect(signIns.map((r) => (r.new_value as { mfa: string | null }).mfa)).toEqual([null, 'totp']);
});
