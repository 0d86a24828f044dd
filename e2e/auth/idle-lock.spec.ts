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
