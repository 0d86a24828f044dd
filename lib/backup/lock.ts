import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

// One backup, drill or restore at a time, across processes and machines: a session advisory lock
// on the database (several web copies, the scheduler, the CLI) and a lock file in the backup
// directory (PGlite serves every connection from one session, where an advisory lock is
// re-entrant and so excludes nobody).

const LOCK_ID = 7_302_611; // "custos backup"

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function takeFile(file: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let pid = NaN;
      try {
        pid = Number(readFileSync(file, 'utf8'));
      } catch {
        // vanished meanwhile: try again
      }
      if (Number.isInteger(pid) && pid > 0 && pidAlive(pid)) return false;
      await rm(file, { force: true }); // left by a process that died
    }
  }
  return false;
}

/**
 * `on`: the owner URL (a connection of its own holds a session lock), or the caller's transaction
 * (a transaction lock: an approved restore runs inside the deciding transaction, and on PGlite a
 * second connection would wait for that transaction to end).
 */
export async function withBackupLock<T>(on: string | TTx, dir: string, fn: () => Promise<T>): Promise<T> {
  const busy = () => new AppError('CONFLICT', 'A backup, drill or restore is running already; try again when it has finished');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, '.backup.lock');
  if (!(await takeFile(file))) throw busy();
  if (typeof on !== 'string') {
    try {
      const [r] = await on.$queryRaw<Array<{ ok: boolean }>>`SELECT pg_try_advisory_xact_lock(${LOCK_ID}::bigint) AS ok`;
      if (!r.ok) throw busy();
      return await fn();
    } finally {
      await rm(file, { force: true });
    }
  }
  const ownerUrl = on;
  const client = new pg.Client({ connectionString: ownerUrl });
  try {
    await client.connect();
    const got = (await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [LOCK_ID])).rows[0].ok;
    if (!got) throw busy();
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [LOCK_ID]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
    await rm(file, { force: true });
  }
}
