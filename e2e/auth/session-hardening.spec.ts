import { generateSync } from 'otplib';
import { expect, test } from '../fixtures';

const COOKIE = 'custos.session';

test('[ASVS 5.1.5] [11.10(d)] next with a tab or newline after the first slash signs in and stays on this site', async ({ page, baseURL, makeUser }) => {
  const user = await makeUser();
  for (const next of ['%2F%09%2Flocalhost%3A3601%2Fpwned', '%2F%0A%2Flocalhost%3A3601%2Fpwned']) {
    await page.context().clearCookies();
    const res = await page.goto(`/login?next=${next}`);
    expect(res?.status()).toBe(200);
    await page.getByLabel('Employee ID').fill(user.employeeId);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).not.toHaveURL(/\/login(\?|$)/, { timeout: 15_000 });
    expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
  }
});

test('[ASVS 7.2.4] [ASVS 7.4] a new sign-in in this browser ends the older session; page JavaScript never sees the session id', async ({
  page,
  context,
  browser,
  baseURL,
  makeUser,
  signIn,
}) => {
  const a = await makeUser();
  const b = await makeUser();
  await signIn(page, a);
  const old = (await context.cookies()).find((c) => c.name === COOKIE)!;
  expect(old).toBeDefined();
  // /api/auth/session answers without the id.
  const session = await (await page.request.get('/api/auth/session')).json();
  expect(session).not.toHaveProperty('sid');

  // Signing in again while the cookie is present (the credentials callback, as the form posts it).
  const { csrfToken } = await (await page.request.get('/api/auth/csrf')).json();
  const r = await page.request.post('/api/auth/callback/credentials', {
    form: { employeeId: b.employeeId, password: b.password, csrfToken, json: 'true' },
    headers: { origin: baseURL! },
  });
  expect(r.status()).toBe(200);
  expect((await (await page.request.get('/api/session')).json()).user.employeeId).toBe(b.employeeId);

  const replay = await browser.newContext({ baseURL });
  try {
    await replay.addCookies([old]);
    expect((await (await replay.request.get('/api/session')).json()).state).toBe('revoked');
  } finally {
    await replay.close();
  }
});

test('[11.10(e)] [seed 003] the sign-in event records the socket address and user agent; a forged X-Forwarded-For is not stored', async ({
  page,
  baseURL,
  makeUser,
  auditRows,
}) => {
  const user = await makeUser();
  const { csrfToken } = await (await page.request.get('/api/auth/csrf')).json();
  const r = await page.request.post('/api/auth/callback/credentials', {
    form: { employeeId: user.employeeId, password: user.password, csrfToken, json: 'true' },
    headers: { origin: baseURL!, 'x-forwarded-for': '<script>', 'user-agent': 'Custos e2e agent' },
  });
  expect(r.status()).toBe(200);
  const [ev] = (await auditRows('auth.sign_in')).filter((e) => e.actor_id === user.employeeId);
  expect(ev.new_value).toMatchObject({ ip: '127.0.0.1', userAgent: 'Custos e2e agent' });
  expect(JSON.stringify(ev)).not.toContain('<script>');
});

test('[11.10(a)] TRACE is a 405, a malformed server-action body and a NUL byte in an audit filter are 400', async ({ page, baseURL, makeUser, signIn }) => {
  const trace = await page.request.fetch('/', { method: 'TRACE' });
  expect(trace.status()).toBe(405);
  const action = await page.request.post('/login', { headers: { 'next-action': 'ab'.repeat(21), 'content-type': 'text/plain;charset=UTF-8', origin: baseURL! }, data: '{not json' });
  expect(action.status()).toBe(400);
  const auditor = await makeUser({ roles: ['Auditor'] });
  await signIn(page, auditor);
  const res = await page.request.get('/api/audit/export?format=csv&action=a%00b');
  expect(res.status()).toBe(400);
  expect((await res.json()).error.message).toBe('action must not contain control characters');
});

test('[ASVS 2.2.1] [11.300(d)] past the rate, the sign-in route answers 429 with Retry-After', async ({ startServer, makeUser }) => {
  const server = await startServer({ CUSTOS_AUTH_RATE_PER_MINUTE: '10' });
  const user = await makeUser();
  const post = async () => {
    const csrf = await fetch(`${server.baseURL}/api/auth/csrf`);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookie = (csrf.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
    return fetch(`${server.baseURL}/api/auth/callback/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.baseURL, cookie },
      body: new URLSearchParams({ employeeId: user.employeeId, password: 'wrong guess', csrfToken, json: 'true' }).toString(),
      redirect: 'manual',
    });
  };
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 30; i++) {
    const r = await post();
    statuses.push(r.status);
    if (r.status === 429) retryAfter ??= r.headers.get('retry-after');
  }
  const limited = statuses.filter((s) => s === 429).length;
  console.log(`429 rate over HTTP at 10/min, 30 sign-ins on one ID: ${limited}/30 = ${((limited / 30) * 100).toFixed(1)} %`);
  expect(limited).toBeGreaterThanOrEqual(19);
  expect(Number(retryAfter)).toBeGreaterThan(0);
});

test('[11.300(d)] a wrong code at second-factor enrolment says "Wrong code", is audited and counts', async ({ page, makeUser, signIn, auditRows }) => {
  const admin = await makeUser({ roles: ['Administrator'] });
  await signIn(page, admin);
  await expect(page).toHaveURL(/\/account\/mfa$/);
  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const secret = (await page.getByTestId('mfa-secret').textContent())?.trim() ?? '';
  const wrong = generateSync({ secret }) === '000000' ? '111111' : '000000';
  await page.getByLabel(/^Code/).fill(wrong);
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByRole('main').getByRole('alert')).toHaveText('Wrong code');
  await expect(page.getByTestId('mfa-secret')).toHaveText(secret);
  await page.screenshot({ path: 'test-results/mfa-wrong-code.png', fullPage: true });
  const failed = await auditRows('auth.mfa_enrol_failed', admin.id);
  expect(failed).toHaveLength(1);
  expect(failed[0].new_value).toMatchObject({ failedAttempts: 1 });
  // The right code still works afterwards.
  await page.getByLabel(/^Code/).fill(generateSync({ secret }));
  await page.getByRole('button', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByTestId('recovery-codes').getByRole('listitem')).toHaveCount(10);
});
