import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
// What every bench script shares: the server it creates its databases on, flag parsing,
// progress notes and the exit-code convention (0 goal met, 2 not met, 1 error).

/** Each bench creates its own database on this server (and drops it). */
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** A flag that must be a positive integer (`1_000_000` and `1,000,000` allowed); exits 1 otherwise. */
export function positiveInt(name: string, v: string | undefined): number {
  const n = Number(String(v).replace(/[_,]/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`--${name} must be a positive integer, got ${v}`);
    process.exit(1);
  }
  return n;
}

/** Progress and notes go to stderr, so `--json` leaves stdout to the result alone. */
export function note(line: string) {
  process.stderr.write(`${line}\n`);
}

/** The same server URL with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh database `custos_bench_<prefix>_<random>` on ADMIN_URL: `owner` is its URL as the
 * owner (migrations), `app` the same as the application role; `drop()` removes it (also after a
 * failure) and closes the admin connection.
 */
export async function createBenchDatabase(prefix: string): Promise<{ name: string; owner: string; app: string; drop: () => Promise<void> }> {
  const name = `custos_bench_${prefix}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const owner = withDatabase(ADMIN_URL, name);
  const app = new URL(owner);
  app.username = 'custos_app';
  const drop = async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
  return { name, owner, app: app.toString(), drop };
}

export const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Runs the bench and exits with its code; an error prints its stack and exits 1. */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}

/** CPU seconds of every PostgreSQL process on this machine (the database's share of a run). */
export function postgresCpuSeconds(): number {
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (!stat.includes('(postgres)') && !stat.includes('(postmaster)')) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}
