import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import pg from 'pg';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { createDb, type TDb } from '@/lib/db/client';
import { createUser } from '@/lib/users/create-user';

// Shared e2e fixtures. Users are created straight in the database the server under test uses
// (E2E_DATABASE_URL, set by scripts/test.ts), one unique user per test; sign-in always goes
// through the UI; audit rows are read back with plain SQL so tests assert what was recorded.

/** The project root: `next start` serves the build in ROOT/.next. */
const ROOT = path.resolve(import.meta.dirname, '..');

export const E2E_PASSWORD = 'violet harbour lantern 93';

export interface TE2eUser {
  id: string;
  employeeId: string;
  displayName: string;
  roles: string[];
  password: string;
}

export interface TAuditRow {
  seq: string;
  action: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  session_id: string | null;
  entity_type: string;
  entity_id: string | null;
  reason: string | null;
  new_value: unknown;
}

export interface TExtraServer {
  baseURL: string;
  port: number;
}

interface TFixtures {
  makeUser: (opts?: { roles?: string[]; mustChangePassword?: boolean; password?: string }) => Promise<TE2eUser>;
  signIn: (page: Page, user: Pick<TE2eUser, 'employeeId' | 'password'>, opts?: { otp?: () => string }) => Promise<void>;
  auditRows: (action: string, entityId?: string) => Promise<TAuditRow[]>;
  /** Starts another `next start` from the same build and database with extra env; stopped after the test. */
  startServer: (env: Record<string, string>) => Promise<TExtraServer>;
}

interface TWorkerFixtures {
  e2eDb: { prisma: TDb; pool: pg.Pool };
}

function ownerUrl(): string {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error('E2E_DATABASE_URL is not set: run the e2e suite through `npm test -- e2e` (scripts/test.ts)');
  return url;
}

/** The application role's URL for the same database: users are created as the app creates them. */
function appUrl(owner: string): string {
  if (process.env.APP_DATABASE_URL) return process.env.APP_DATABASE_URL;
  const u = new URL(owner);
  u.username = 'custos_app';
  u.password = '';
  return u.toString();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, log: () => string, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`extra server exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`extra server did not become healthy within ${ms} ms:\n${log()}`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    // Detached: the pid is the process group, so next's worker children go too.
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
  if (!killed) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    await exited;
  }
}

export const test = base.extend<TFixtures, TWorkerFixtures>({
  e2eDb: [
    async ({}, provide) => {
      const owner = ownerUrl();
      const prisma = createDb(appUrl(owner));
      const pool = new pg.Pool({ connectionString: owner, max: 2 });
      await provide({ prisma, pool });
      await prisma.$disconnect();
      await pool.end();
    },
    { scope: 'worker' },
  ],

  makeUser: async ({ e2eDb }, provide) => {
    await provide(async (opts = {}) => {
      const employeeId = `E2E-${randomBytes(4).toString('hex')}`;
      const password = opts.password ?? E2E_PASSWORD;
      const u = await createUser(
        e2eDb.prisma,
        {
          employeeId,
          displayName: `Tester ${employeeId.slice(4)}`,
          roleNames: opts.roles ?? ['Operator'],
          password,
          mustChangePassword: opts.mustChangePassword ?? false,
        },
        SYSTEM_CLI,
      );
      return { id: u.id, employeeId: u.employeeId, displayName: u.displayName, roles: u.roles, password };
    });
  },

  signIn: async ({}, provide) => {
    await provide(async (page, user, opts = {}) => {
      await page.goto('/login');
      await page.getByLabel('Employee ID').fill(user.employeeId);
      await page.getByLabel('Password').fill(user.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      if (opts.otp) {
        const code = page.getByLabel('Authentication code');
        await expect(code).toBeVisible();
        await code.fill(opts.otp());
        await page.getByRole('button', { name: 'Sign in' }).click();
      }
      // Signed in: the sign-in page is left (wherever the session's state sends the person).
      await expect(page).not.toHaveURL(/\/login(\?|$)/, { timeout: 15_000 });
    });
  },

  auditRows: async ({ e2eDb }, provide) => {
    await provide(async (action, entityId) => {
      const { rows } = await e2eDb.pool.query<TAuditRow>(
        `SELECT seq::text, action, actor_type, actor_id, actor_name, session_id, entity_type, entity_id, reason, new_value
           FROM audit_events
          WHERE action = $1 AND ($2::text IS NULL OR entity_id = $2)
          ORDER BY audit_events.chain_id, audit_events.seq`,
        [action, entityId ?? null],
      );
      return rows;
    });
  },

  startServer: async ({}, provide) => {
    const started: ChildProcess[] = [];
    await provide(async (env) => {
      const port = await freePort();
      const baseURL = `http://127.0.0.1:${port}`;
      let log = '';
      const child = spawn(path.join(ROOT, 'node_modules/.bin/next'), ['start', '-H', '127.0.0.1', '-p', String(port)], {
        cwd: ROOT,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1', NEXTAUTH_URL: baseURL, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      started.push(child);
      const keep = (b: Buffer) => {
        log = (log + b.toString()).slice(-4_000);
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      await waitForHealth(`${baseURL}/api/health`, child, () => log, 30_000);
      return { baseURL, port };
    });
    await Promise.all(started.map(stopServer));
  },
});

export { expect };
