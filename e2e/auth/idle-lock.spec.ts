import { expect, test } from '../fixtures';

// A server of its own with a short idle timeout (the default is 120 s), same build and database.
const SHORT_IDLE = { CUSTOS_IDLE_TIMEOUT_S: '6', CUSTOS_ACTIVITY_THROTTLE_S: '2' };

test('[11.300(d)] idle lock covers the page and unlocking keeps typed input', async ({
  browser,
  startServer,
  makeUser,
  signIn,
  auditRows,
}) => {
  test.setTimeout(60_000);
  const server = await startServer(SHORT_IDLE);
  const user = await makeUser();
  const context = await browser.newContext({ baseURL: server.baseURL });
  try {
    const page = await context.newPage();
    await signIn(page, user);
    await expect(page.getByTestId('session-user')).toHaveText(`${user.displayName} (${user.employeeId})`);

    await page.goto('/account/password');
    const url = page.url();
    // A full navigation or reload would drop this.
    await page.evaluate(() => Object.assign(window, { __custosMarker: 'same document' }));
    const field = page.getByLabel(/^New password/);
    const typed = 'half-typed thought 42';
    await field.pressSequentially(typed);
    const lastKey = Date.now();

    const dialog = page.getByRole('dialog', { name: 'Session locked' });
    await expect(dialog).toBeVisible({ timeout: 15_000 });
    // Not earlier than the timeout after the last real input.
    expect(Date.now() - lastKey).toBeGreaterThanOrEqual(5_000);
    // The server agrees: the session itself is locked, not only the page.
    await expect
      .poll(async () => (await (await page.request.get('/api/session')).json()).state, { timeout: 10_000 })
      .toBe('idle_locked');

    // The page beneath is covered and inert: it cannot be focused or typed into.
    const shell = page.locator('#app-shell');
    await expect(shell).toHaveJSProperty('inert', true);
    const covered = await field.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
      return top !== null && !document.getElementById('app-shell')!.contains(top);
    });
    expect(covered).toBe(true);
    await field.focus();
    await expect(field).not.toBeFocused();

    const unlockPassword = dialog.getByLabel(/^Password/);
    await expect(unlockPassword).toBeFocused();
    await unlockPassword.fill(user.password);
    await dialog.getByRole('button', { name: 'Unlock' }).click();

    await expect(dialog).toBeHidden();
    await expect(shell).toHaveJSProperty('inert', false);
    await expect(field).toHaveValue(typed);
    expect(page.url()).toBe(url);
    expect(await page.evaluate(() => (window as unknown as { __custosMarker?: string }).__custosMarker)).toBe('same document');
    expect((await (await page.request.get('/api/session')).json()).state).toBe('ok');

    const unlocks = (await auditRows('auth.session_unlock')).filter((r) => r.actor_id === user.employeeId);
    expect(unlocks).toHaveLength(1);
  } finally {
    await context.close();
  }
});

test('[11.300(d)] a countdown warns before the idle lock and real activity dismisses it; the full-page unlock keeps the URL with its query', async ({
  browser,
  startServer,
  makeUser,
  signIn,
}) => {
  test.setTimeout(120_000);
  // Long enough for a 10 s warning (half the timeout, at most 30 s) to be seen and dismissed.
  const server = await startServer({ CUSTOS_IDLE_TIMEOUT_S: '20', CUSTOS_ACTIVITY_THROTTLE_S: '2' });
  const user = await makeUser({ roles: ['QA Reviewer'] });
  const context = await browser.newContext({ baseURL: server.baseURL });
  try {
    const page = await context.newPage();
    await signIn(page, user);
    const filtered = `/audit?${new URLSearchParams({ actor: user.employeeId, action: 'auth.sign_in' })}`;
    await page.goto(filtered);
    await expect(page.getByRole('search', { name: 'Filter the audit trail' }).getByLabel('Actor')).toHaveValue(user.employeeId);

    // Before the lock: a non-modal countdown, announced to screen readers, that takes no focus.
    const warning = page.getByTestId('idle-warning');
    await expect(warning).toBeVisible({ timeout: 20_000 });
    await expect(warning).toHaveText(/^Locking in \d+ s — move the mouse or press a key to stay signed in$/);
    await expect(page.getByRole('status').filter({ hasText: /^Locking in \d+ s — move the mouse or press a key to stay signed in$/ })).toHaveCount(1);
    await expect(page.getByRole('dialog', { name: 'Session locked' })).toHaveCount(0);
    await page.screenshot({ path: test.info().outputPath('idle-warning.png') });
    // Real activity dismisses it.
    await page.mouse.move(200, 200);
    await page.mouse.move(220, 240);
    await expect(warning).toBeHidden();
    await expect(page.getByRole('dialog', { name: 'Session locked' })).toHaveCount(0);

    // Left alone again: the warning, then the lock.
    await expect(warning).toBeVisible({ timeout: 20_000 });
    await expect(page.getByRole('dialog', { name: 'Session locked' })).toBeVisible({ timeout: 15_000 });
    await expect(warning).toBeHidden();
    await expect.poll(async () => (await (await page.request.get('/api/session')).json()).state, { timeout: 10_000 }).toBe('idle_locked');

    // A full page load while locked goes through /unlock and comes back with the filters.
    await page.goto(filtered);
    await expect(page).toHaveURL(/\/unlock\?next=/);
    await expect(page.getByRole('heading', { level: 1, name: 'Session locked' })).toBeVisible();
    await page.getByLabel(/^Password/).fill(user.password);
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect(page).toHaveURL((u) => u.pathname === '/audit' && u.searchParams.get('actor') === user.employeeId && u.searchParams.get('action') === 'auth.sign_in');
    await expect(page.getByRole('search', { name: 'Filter the audit trail' }).getByLabel('Actor')).toHaveValue(user.employeeId);
  } finally {
    await context.close();
  }
});
