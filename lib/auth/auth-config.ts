import { config } from '@/lib/config/env';

// Identity settings, from the one validated configuration (lib/config/env.ts, documented in the
// README). Defaults follow 21 CFR 11.300 as Custos's product model maps it: 3 failures lock,
// 120 s idle lock, 90-day password expiry, 12 h absolute session age.
export function authConfig() {
  const c = config();
  return {
    lockoutThreshold: c.CUSTOS_LOCKOUT_THRESHOLD,
    idleTimeoutS: c.CUSTOS_IDLE_TIMEOUT_S,
    activityThrottleS: c.CUSTOS_ACTIVITY_THROTTLE_S,
    sessionMaxHours: c.CUSTOS_SESSION_MAX_HOURS,
    passwordExpiryDays: c.CUSTOS_PASSWORD_EXPIRY_DAYS,
    passwordHistory: c.CUSTOS_PASSWORD_HISTORY,
    /** Attempts a minute per source address and per employee ID before 429 (0: no limit). */
    ratePerMinute: c.CUSTOS_AUTH_RATE_PER_MINUTE,
    /** 0: a locked account stays locked until an administrator unlocks it; n: released after n minutes. */
    lockoutMinutes: c.CUSTOS_LOCKOUT_MINUTES,
    /** How long failures of an unknown employee ID are remembered. */
    unknownIdMemoryMinutes: c.CUSTOS_UNKNOWN_ID_MEMORY_MINUTES,
    /** 11.200(a)(1)(i): after one full signing, later signings in the same unlocked session need only the password. */
    continuousSessionSigning: c.CUSTOS_CONTINUOUS_SESSION_SIGNING,
  };
}
export type TAuthConfig = ReturnType<typeof authConfig>;
