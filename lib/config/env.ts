import { z } from 'zod';

// Every CUSTOS_*, DATABASE_*, APP_DATABASE_* and MQTT_* variable, parsed once at start
// (`npm start`, the worker, the CLI, the web server): a bad value stops the process with exit
// code 2 and a message naming the variable — never a silent NaN (e.g. a non-numeric
// CUSTOS_PASSWORD_MIN_LENGTH used to switch the minimum off). The README's Configuration table
// lists exactly these variables (tests/integration/config.test.ts checks it).

const int = (def: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return def;
      const n = Number(v.trim());
      if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''} (got "${v}")` });
        return z.NEVER;
      }
      return n;
    });
const flag = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '' || v === '0') return false;
      if (v === '1') return true;
      ctx.addIssue({ code: 'custom', message: `must be 1 or 0 (got "${v}")` });
      return z.NEVER;
    });
const text = () => z.string().optional();
const oneOf = <T extends string>(values: readonly [T, ...T[]], def: T) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if ((values as readonly string[]).includes(v)) return v as T;
      ctx.addIssue({ code: 'custom', message: `must be one of ${values.join(', ')} (got "${v}")` });
      return z.NEVER;
    });
const url = (protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      try {
        const u = new URL(v);
        if (!protocols.includes(u.protocol)) throw new Error();
        return v;
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a ${protocols.join(' or ')}// URL` });
        return z.NEVER;
      }
    });
const hhmmOrOff = (def: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return def;
      if (v === 'off' || /^([01]\d|2[0-3]):[0-5]\d$/.test(v)) return v;
      ctx.addIssue({ code: 'custom', message: `must be HH:MM (UTC) or off (got "${v}")` });
      return z.NEVER;
    });
const addresses = () =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const list = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
      for (const a of list) {
        if (!/^[0-9a-fA-F:.]+$/.test(a)) {
          ctx.addIssue({ code: 'custom', message: `must be comma-separated IP addresses (got "${a}")` });
          return z.NEVER;
        }
      }
      return list;
    });

export const ZEnv = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  APP_DATABASE_URL: url(['postgres:', 'postgresql:']),
  APP_DATABASE_PASSWORD: text(),
  DATABASE_POOL_SIZE: int(10, 1, 1000),
  CUSTOS_DATA_DIR: text(),
  CUSTOS_EMBEDDED: flag(),
  CUSTOS_SIGNING_KEY_FILE: text(),
  CUSTOS_CHAIN_ID: text(),
  CUSTOS_CHECKPOINT_INTERVAL_S: int(300, 1),
  CUSTOS_PASSWORD_MIN_LENGTH: int(12, 8, 1024),
  CUSTOS_PASSWORD_MAX_LENGTH: int(128, 64, 4096),
  CUSTOS_BEHIND_TLS: flag(),
  CUSTOS_TRUSTED_PROXIES: addresses(),
  CUSTOS_SECRETS_KEY_FILE: text(),
  CUSTOS_LOCKOUT_THRESHOLD: int(3, 1),
  CUSTOS_LOCKOUT_MINUTES: int(0, 0),
  CUSTOS_UNKNOWN_ID_MEMORY_MINUTES: int(1440, 1),
  CUSTOS_AUTH_RATE_PER_MINUTE: int(10, 0),
  CUSTOS_IDLE_TIMEOUT_S: int(120, 5),
  CUSTOS_ACTIVITY_THROTTLE_S: int(30, 1),
  CUSTOS_SESSION_MAX_HOURS: int(12, 1),
  CUSTOS_PASSWORD_EXPIRY_DAYS: int(90, 0),
  CUSTOS_PASSWORD_HISTORY: int(5, 0),
  CUSTOS_CONTINUOUS_SESSION_SIGNING: flag(),
  CUSTOS_CHANGE_REQUEST_EXPIRY_DAYS: int(7, 1),
  CUSTOS_CR_EXPIRY_CHECK_S: int(60, 1),
  CUSTOS_EXPORT_RETRY_S: int(30, 1),
  CUSTOS_BACKUP_DIR: text(),
  CUSTOS_BACKUP_KEY_FILE: text(),
  CUSTOS_BACKUP_RETENTION_DAYS: int(90, 1),
  CUSTOS_BACKUP_SCHEDULE: hhmmOrOff('02:00'),
  CUSTOS_BACKUP_DRILL_DAY: text(),
  CUSTOS_BACKUP_CHECK_S: int(60, 1),
  CUSTOS_RESTORE_INLINE_MAX_MB: int(32, 0),
  CUSTOS_PG_BIN_DIR: text(),
  MQTT_URL: url(['mqtt:', 'mqtts:', 'ws:', 'wss:']),
  MQTT_USERNAME: text(),
  MQTT_PASSWORD: text(),
  CUSTOS_MQTT_CA: text(),
  CUSTOS_MQTT_CERT: text(),
  CUSTOS_MQTT_KEY: text(),
  CUSTOS_MQTT_TOPICS: text(),
  CUSTOS_MQTT_PROTOCOL: oneOf(['4', '5'], '4'),
  CUSTOS_MQTT_QOS: oneOf(['1', '2'], '1'),
  CUSTOS_MQTT_SHARE: text(),
  CUSTOS_MQTT_CONNECTIONS: int(1, 1, 64),
  CUSTOS_MQTT_CLIENT_ID: text(),
  CUSTOS_INGEST_MAX_BYTES: int(65536, 256),
  CUSTOS_INGEST_VERIFY_THREADS: int(0, 0, 64),
  CUSTOS_INGEST_BATCH: int(500, 1, 100_000),
  CUSTOS_COMM_LOSS_CHECK_S: int(10, 1),
  CUSTOS_BROKER_ADMIN_USERNAME: text(),
  CUSTOS_BROKER_ADMIN_PASSWORD: text(),
  CUSTOS_BROKER_ADMIN_PASSWORD_FILE: text(),
  CUSTOS_BROKER_URL: url(['mqtt:', 'mqtts:', 'ws:', 'wss:']),
  CUSTOS_BROKER_RECONCILE_S: int(300, 0),
  CUSTOS_BROKER_LOG: z.enum(['topic', 'file', 'off']).optional(),
  CUSTOS_BROKER_LOG_FILE: text(),
  CUSTOS_BROKER_CHAIN_ID: text(),
  CUSTOS_METRICS_TOKEN: text(),
  CUSTOS_WORKER_METRICS_ADDR: text(),
  CUSTOS_WORKER_QUIET: flag(),
  CUSTOS_QUARANTINE_ESCALATE_MIN: int(15, 1),
  CUSTOS_ALERT_CHECK_S: int(30, 1),
  CUSTOS_ALERT_WEBHOOK_URL: url(['http:', 'https:']),
  CUSTOS_ALERT_WEBHOOK_TOKEN: text(),
  CUSTOS_ALERT_WEBHOOK_BACKOFF_S: int(30, 1),
  CUSTOS_ALERT_WEBHOOK_MAX_ATTEMPTS: int(10, 1),
  CUSTOS_VERIFY_SCHEDULE: hhmmOrOff('02:00'),
  CUSTOS_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  CUSTOS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  CUSTOS_CHECKPOINT_EVERY_EVENTS: int(1000, 1),
  CUSTOS_CHECKPOINT_DIR: text(),
  CUSTOS_INGEST_HTTP_CONTENT_TYPES: text(),
  CUSTOS_INGEST_HTTP_FORMATS: text(),
  CUSTOS_TRAINING_GRACE_DAYS: int(14, 0),
  CUSTOS_REVIEW_INTERVAL_DAYS: int(30, 1),
  CUSTOS_REVIEW_CHECK_S: int(3600, 1),
  CUSTOS_API_AUDIENCE: url(['http:', 'https:']),
  CUSTOS_GATEWAY_AUTH: oneOf(['signature', 'token', 'mtls-header'], 'signature'),
  CUSTOS_GATEWAY_CERT_HEADER: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 'x-ssl-client-cert';
      if (/^[A-Za-z0-9-]{1,64}$/.test(v)) return v.toLowerCase();
      ctx.addIssue({ code: 'custom', message: `must be an HTTP header name (got "${v}")` });
      return z.NEVER;
    }),
  CUSTOS_GATEWAY_RATE: int(500, 0),
  CUSTOS_GATEWAY_JUNK_RATE: int(5, 0),
  CUSTOS_GATEWAY_QUARANTINE_BYTES_PER_HOUR: int(8 * 1024 * 1024, 0),
  CUSTOS_GATEWAY_GROUP_COMMIT: oneOf(['on', 'off'], 'on'),
  CUSTOS_GATEWAY_GROUP_WINDOW_MS: int(2, 0, 1000),
  CUSTOS_GATEWAY_GROUP_MAX: int(500, 1, 10_000),
  CUSTOS_GATEWAY_GROUP_PARALLEL: int(1, 1, 16),
  CUSTOS_GATEWAY_COMMIT_THREAD: oneOf(['on', 'off'], 'on'),
});
export type TConfig = z.output<typeof ZEnv>;

/** The variables this module knows (the README table lists exactly these). */
export const CONFIG_VARIABLES = Object.keys(ZEnv.shape) as Array<keyof TConfig>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined> = process.env): TConfig {
  const picked = Object.fromEntries(CONFIG_VARIABLES.map((k) => [k, env[k]]));
  const r = ZEnv.safeParse(picked);
  if (!r.success) throw new ConfigError(r.error.issues.map((i) => `${String(i.path[0])}: ${i.message}`));
  return r.data;
}

let cached: { key: string; value: TConfig } | null = null;
/** The parsed configuration of this process (re-parsed when the environment changed, e.g. in tests). */
export function config(): TConfig {
  const key = CONFIG_VARIABLES.map((k) => process.env[k] ?? '\u0000').join('\u0001');
  if (cached?.key !== key) cached = { key, value: parseConfig(process.env) };
  return cached.value;
}

/** At start: a bad value prints which variable and why, and exits with code 2. */
export function checkConfigOrExit(env: Record<string, string | undefined> = process.env, exit: (code: number) => never = process.exit): TConfig {
  try {
    return parseConfig(env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(`custos: ${e.message}`);
    return exit(2);
  }
}
