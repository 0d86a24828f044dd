import { spawn, execFile } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import type pg from 'pg';
import { AppError } from '@/lib/errors/app-error';

// pg_dump / pg_restore for a real PostgreSQL server. A dump must come from the server's own
// major version: an older pg_dump refuses a newer server, and a newer one writes archives an
// older pg_restore cannot read. Custos checks before it starts and refuses with both versions.
// CUSTOS_PG_BIN_DIR names the directory of the matching tools (e.g. /usr/lib/postgresql/17/bin).

const run = promisify(execFile);

export function pgTool(name: 'pg_dump' | 'pg_restore'): string {
  const dir = process.env.CUSTOS_PG_BIN_DIR;
  return dir ? path.join(dir, name) : name;
}

export async function toolMajor(name: 'pg_dump' | 'pg_restore'): Promise<{ major: number; version: string }> {
  let out: string;
  try {
    out = (await run(pgTool(name), ['--version'])).stdout;
  } catch (e) {
    throw new AppError('CONFIG', `${pgTool(name)} cannot be run (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); install the PostgreSQL client tools or set CUSTOS_PG_BIN_DIR`);
  }
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(out);
  if (!m) throw new AppError('CONFIG', `cannot read the version of ${pgTool(name)}: ${out.trim()}`);
  return { major: Number(m[1]), version: m[2] ? `${m[1]}.${m[2]}` : m[1] };
}

export async function serverVersion(client: pg.ClientBase): Promise<{ major: number; version: string; pglite: boolean }> {
  const r = await client.query<{ num: string; v: string }>("SELECT current_setting('server_version_num') AS num, version() AS v");
  const num = Number(r.rows[0].num);
  return { major: Math.floor(num / 10000), version: r.rows[0].v.split(' ')[1] ?? String(num), pglite: r.rows[0].v.includes('PGlite') };
}

/** Refuses unless pg_dump and pg_restore have the server's major version. */
export async function assertToolsMatch(serverMajor: number, serverVer: string): Promise<void> {
  for (const name of ['pg_dump', 'pg_restore'] as const) {
    const t = await toolMajor(name);
    if (t.major !== serverMajor) {
      throw new AppError(
        'CONFIG',
        `${name} ${t.version} does not match the PostgreSQL server ${serverVer} (major ${serverMajor}): install the PostgreSQL ${serverMajor} client tools and set CUSTOS_PG_BIN_DIR`,
      );
    }
  }
}

function connectionEnv(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  // The password goes in the environment, not on the command line (ps would show it).
  const u = new URL(url);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env };
}

function waitExit(child: ReturnType<typeof spawn>, name: string, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new AppError('CONFIG', `${name} could not start: ${e.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${name} failed (${signal ?? `exit ${code}`}): ${stderr().trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

function collect(stream: Readable | null): () => string {
  let text = '';
  stream?.on('data', (d: Buffer) => {
    if (text.length < 16_384) text += d.toString('utf8');
  });
  return () => text;
}

/** `pg_dump -Fc` of the database in `url`, taken in the exported snapshot: its stdout and its end. */
export function spawnPgDump(url: string, snapshot: string): { stdout: Readable; done: Promise<void> } {
  const { dbname, env } = connectionEnv(url);
  const child = spawn(pgTool('pg_dump'), ['--format=custom', '--compress=6', `--snapshot=${snapshot}`, '--no-password', `--dbname=${dbname}`], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const err = collect(child.stderr);
  return { stdout: child.stdout!, done: waitExit(child, 'pg_dump', err) };
}

/**
 * `pg_restore` of a custom-format archive read from stdin into the (empty) database in `url`,
 * in one transaction: a failure leaves nothing behind.
 */
export function spawnPgRestore(url: string): { stdin: Writable; done: Promise<void> } {
  const { dbname, env } = connectionEnv(url);
  const child = spawn(pgTool('pg_restore'), ['--single-transaction', '--exit-on-error', '--no-owner', '--no-password', `--dbname=${dbname}`], {
    env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  const err = collect(child.stderr);
  // A stdin closed early by a failed pg_restore is reported by `done`, not as EPIPE.
  child.stdin!.on('error', () => undefined);
  return { stdin: child.stdin!, done: waitExit(child, 'pg_restore', err) };
}
