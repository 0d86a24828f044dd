import { expect, test } from '../fixtures';

const COOKIE = 'custos.session';

test('[11.10(d)] sign-out revokes the session: the old cookie gets nothing', async ({
  page,
  context,
  browser,
  baseURL,
  makeUser,
  signIn,
  auditRows,
}) => {
  const user = await makeUser();
  await signIn(page, user);
  await expect(page.getByTestId('session-user')).toBeVisible();

  const old = (await context.cookies()).find((c) => c.name === COOKIE);
  expect(old).toBeDefined();
  expect((await (await page.request.get('/api/session')).json()).state).toBe('ok');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login/);
  expect((await context.cookies()).some((c) => c.name === COOKIE)).toBe(false);

  // Someone who kept a copy of the cookie (a valid, unexpired JWT) replays it.
  const replay = await browser.newContext({ baseURL });
  try {
    await replay.addCookies([old!]);
    const res = await replay.request.get('/api/session');
    const body = await res.json();
    expect(body.state).toBe('revoked');
    const activity = await replay.request.post('/api/session/activity');
    expect(activity.status()).toBe(401);
    const p = await replay.newPage();
    await p.goto('/account/password');
    await expect(p).toHaveURL(/\/login\?.*reason=revoked/);
    await expect(p.getByTestId('session-user')).toHaveCount(0);
  } finally {
    await replay.close();
  }

  const outs = (await auditRows('auth.sign_out')).filter((r) => r.actor_id === user.employeeId);
  expect(outs).toHaveLength(1);
  expect(outs[0].reason).toBe('signed out');
});
