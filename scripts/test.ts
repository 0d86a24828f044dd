import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '@/lib/db/migrate';

// `npm test`: lint, typecheck, unit, integration (real PostgreSQL / Mosquitto) and e2e
// (built app in Debian Chromium). Every suite runs even if an earlier one failed; the last line
// sums them: `tests: N passed, M failed`.

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const E2E_PORT = Number(process.env.E2E_PORT ?? 3100);
const results: Array<{ suite: string; passed: number; failed: number; note?: string }> = [];

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    p.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function banner(s: string) {
  console.log(`\n── ${s} ${'─'.repeat(Math.max(0, 70 - s.length))}`);
}

async function check(suite: string, cmd: string, args: string[]) {
  banner(suite);
  const code = await run(cmd, args);
  results.push({ suite, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 });
}

async function vitest(project: 'unit' | 'integration') {
  banner(`${project} tests`);
  const out = path.resolve(`test-results/vitest-${project}.json`);
  rmSync(out, { force: true });
  const code = await run('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile=${out}`]);
  if (!existsSync(out)) {
    results.push({ suite: project, passed: 0, failed: 1, note: `vitest exited ${code} without results` });
    return;
  }
  const r = JSON.parse(readFileSync(out, 'utf8')) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number; success: boolean };
  // A file that fails to load has no failed test but fails the run: count it.
  const failed = r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0);
  results.push({ suite: project, passed: r.numPassedTests, failed });
}

async function waitForHealth(url: string, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function e2e() {
  banner('e2e: build');
  if (process.env.E2E_SKIP_BUILD !== '1' && (await run('npx', ['next', 'build'])) !== 0) {
    results.push({ suite: 'e2e', passed: 0, failed: 1, note: 'next build failed' });
    return;
  }
  const name = `custos_e2e_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const ownerUrl = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
  const appUrlObj = new URL(ownerUrl);
  appUrlObj.username = 'custos_app';
  appUrlObj.password = '';
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  await migrate(owner);
  // The shared e2e site is live (four-eyes); the commissioning spec starts its own site.
  await owner.query(`INSERT INTO site_go_live (went_live_at, printed_name, reason) VALUES (now(), 'e2e set-up', 'the shared e2e site runs under change control')`);
  await owner.end();
  const keyDir = mkdtempSync(path.join(tmpdir(), 'custos-e2e-key-'));
  const env = {
    DATABASE_URL: ownerUrl,
    APP_DATABASE_URL: appUrlObj.toString(),
    CUSTOS_SIGNING_KEY_FILE: path.join(keyDir, 'audit-signing-key.pem'),
    CUSTOS_SECRETS_KEY_FILE: path.join(keyDir, 'secrets.key'),
    CUSTOS_BACKUP_KEY_FILE: path.join(keyDir, 'backup.key'),
    CUSTOS_BACKUP_DIR: path.join(keyDir, 'backups'),
    NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
    NEXTAUTH_URL: `http://127.0.0.1:${E2E_PORT}`,
    NEXT_TELEMETRY_DISABLED: '1',
    // The suite signs in from one address far more often than people do.
    CUSTOS_AUTH_RATE_PER_MINUTE: process.env.CUSTOS_AUTH_RATE_PER_MINUTE ?? '0',
  };
  banner(`e2e: serving on 127.0.0.1:${E2E_PORT} (database ${name})`);
  const server = spawn('npx', ['next', 'start', '-H', '127.0.0.1', '-p', String(E2E_PORT)], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env },
    detached: true,
  });
  try {
    const base = `http://127.0.0.1:${E2E_PORT}`;
    if (!(await waitForHealth(`${base}/api/health`, 60_000))) {
      results.push({ suite: 'e2e', passed: 0, failed: 1, note: 'server did not become healthy' });
      return;
    }
    banner('e2e tests (Chromium)');
    const out = path.resolve('test-results/e2e.json');
    rmSync(out, { force: true });
    const code = await run('npx', ['playwright', 'test', ...(process.env.E2E_ARGS?.split(' ').filter(Boolean) ?? [])], { ...env, E2E_BASE_URL: base, E2E_DATABASE_URL: ownerUrl });
    if (!existsSync(out)) {
      results.push({ suite: 'e2e', passed: 0, failed: 1, note: `playwright exited ${code} without results` });
      return;
    }
    const r = JSON.parse(readFileSync(out, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number } };
    const failed = r.stats.unexpected + (code !== 0 && r.stats.unexpected === 0 ? 1 : 0);
    results.push({ suite: 'e2e', passed: r.stats.expected + r.stats.flaky, failed });
  } finally {
    try {
      process.kill(-server.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await new Promise((r) => setTimeout(r, 500));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(keyDir, { recursive: true, force: true });
  }
}

async function main() {
  const only = process.argv.slice(2);
  const want = (s: string) => only.length === 0 || only.includes(s);
  if (want('lint')) await check('lint', 'npx', ['eslint', '--max-warnings=0', '.']);
  if (want('typecheck')) await check('typecheck', 'npx', ['tsc', '--noEmit']);
  if (want('compliance')) await check('compliance', 'npx', ['tsx', 'scripts/compliance-matrix.ts', '--check']);
  if (want('unit')) await vitest('unit');
  if (want('integration')) await vitest('integration');
  if (want('e2e')) await e2e();

  banner('summary');
  for (const r of results) console.log(`${r.suite.padEnd(12)} ${r.passed} passed, ${r.failed} failed${r.note ? ` (${r.note})` : ''}`);
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  console.log(`tests: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
});
