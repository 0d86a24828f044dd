// Identity settings, read from the environment (documented in the README). Defaults follow
// 21 CFR 11.300 as Custos's product model maps it: 3 failures lock, 120 s idle lock, 90-day
// password expiry, 12 h absolute session age.
function int(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number ≥ ${min} (got "${raw}")`);
  return n;
}

export function authConfig() {
  return {
    lockoutThreshold: int('CUSTOS_LOCKOUT_THRESHOLD', 3, 1),
    idleTimeoutS: int('CUSTOS_IDLE_TIMEOUT_S', 120, 5),
    activityThrottleS: int('CUSTOS_ACTIVITY_THROTTLE_S', 30, 1),
    sessionMaxHours: int('CUSTOS_SESSION_MAX_HOURS', 12, 1),
    passwordExpiryDays: int('CUSTOS_PASSWORD_EXPIRY_DAYS', 90, 0),
    passwordHistory: int('CUSTOS_PASSWORD_HISTORY', 5, 0),
    /** Attempts a minute per source address and per employee ID before 429 (0: no limit). */
    ratePerMinute: int('CUSTOS_AUTH_RATE_PER_MINUTE', 10, 0),
    /** 0: a locked account stays locked until an administrator unlocks it; n: released after n minutes. */
    lockoutMinutes: int('CUSTOS_LOCKOUT_MINUTES', 0, 0),
    /** How long failures of an unknown employee ID are remembered. */
    unknownIdMemoryMinutes: int('CUSTOS_UNKNOWN_ID_MEMORY_MINUTES', 1440, 1),
    /** 11.200(a)(1)(i): after one full signing, later signings in the same unlocked session need only the password. */
    continuousSessionSigning: process.env.CUSTOS_CONTINUOUS_SESSION_SIGNING === '1',
  };
}
export type TAuthConfig = ReturnType<typeof authConfig>;
