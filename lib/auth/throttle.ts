// ASVS 2.2.1 / NIST SP 800-63B §5.2.2: a rate limit in front of the lockout. Past
// CUSTOS_AUTH_RATE_PER_MINUTE attempts in one minute for one source address or one employee ID,
// sign-in, idle unlock and signing are refused with 429 and a Retry-After, before anything is
// loaded or hashed. Counted in this process (one Next server; each CLI invocation is its own).

export interface TThrottled {
  retryAfterS: number;
}

const WINDOW_MS = 60_000;
const windows = new Map<string, { startedAt: number; count: number }>();

export function throttleKeys(ctx: { employeeId?: string | null; userId?: string | null; ip?: string | null }): string[] {
  const keys: string[] = [];
  if (ctx.employeeId) keys.push(`id:${ctx.employeeId.trim().toLowerCase()}`);
  if (ctx.userId) keys.push(`user:${ctx.userId}`);
  if (ctx.ip) keys.push(`ip:${ctx.ip}`);
  return keys;
}

function live(key: string, now: number) {
  const w = windows.get(key);
  if (!w || now - w.startedAt >= WINDOW_MS) return null;
  return w;
}

/** Would an attempt now be refused? Counts nothing. */
export function peekThrottle(keys: string[], limit: number, now = Date.now()): TThrottled | null {
  if (limit <= 0) return null;
  let retry = 0;
  for (const k of keys) {
    const w = live(k, now);
    if (w && w.count >= limit) retry = Math.max(retry, Math.ceil((w.startedAt + WINDOW_MS - now) / 1000));
  }
  return retry > 0 ? { retryAfterS: retry } : null;
}

/** Counts one attempt against every key, or refuses it (not counted) when any key is over the limit. */
export function hitThrottle(keys: string[], limit: number, now = Date.now()): TThrottled | null {
  if (limit <= 0) return null;
  const over = peekThrottle(keys, limit, now);
  if (over) return over;
  if (windows.size > 100_000) for (const [k, w] of windows) if (now - w.startedAt >= WINDOW_MS) windows.delete(k);
  for (const k of keys) {
    const w = live(k, now);
    if (w) w.count += 1;
    else windows.set(k, { startedAt: now, count: 1 });
  }
  return null;
}

/** Tests: forget every window. */
export function resetThrottle(): void {
  windows.clear();
}
