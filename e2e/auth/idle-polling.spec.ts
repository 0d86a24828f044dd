import { expect, test } from '../fixtures';

const IDLE_S = 6;
const SHORT_IDLE = { CUSTOS_IDLE_TIMEOUT_S: String(IDLE_S), CUSTOS_ACTIVITY_THROTTLE_S: '2' };

test('[11.300(d)] polling does not keep an idle session alive', async ({ browser, startServer, makeUser, signIn }) => {
  test.setTimeout(60_000);
  const server = await startServer(SHORT_IDLE);
  const user = await makeUser();
  const context = await browser.newContext({ baseURL: server.baseURL });
  try {
    const page = await context.newPage();
    await signIn(page, user);
    await expect(page.getByTestId('session-user')).toBeVisible();

    const first = await (await page.request.get('/api/session')).json();
    expect(first.state).toBe('ok');
    expect(first.idleTimeoutS).toBe(IDLE_S);

    // No keyboard or mouse input from here on: only background requests, for longer than the timeout.
    const until = Date.now() + (IDLE_S + 2) * 1000;
    let polls = 0;
    while (Date.now() < until) {
      const [session, health, fromPage] = await Promise.all([
        page.request.get('/api/session'),
        page.request.get('/api/health'),
        page.evaluate(() => fetch('/api/session', { cache: 'no-store' }).then((r) => r.status)),
      ]);
      expect(session.status()).toBe(200);
      expect(health.status()).toBe(200);
      expect(fromPage).toBe(200);
      polls++;
      await page.waitForTimeout(400);
    }
    expect(polls).toBeGreaterThan(5);

    const last = await (await page.request.get('/api/session')).json();
    expect(last.state).toBe('idle_locked');
    // Reading the session never moved its deadline.
    expect(last.idleDeadline).toBe(first.idleDeadline);
    const activity = await page.request.post('/api/session/activity');
    expect(activity.status()).toBe(423);
  } finally {
    await context.close();
  }
});
