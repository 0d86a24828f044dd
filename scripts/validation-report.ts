import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { authConfig } from '@/lib/auth/auth-config';
import { custosVersion } from '@/lib/config/version';
import { cliPerson } from '@/lib/auth/cli-person';
import { buildReport, fromPlaywright, fromVitest, renderReportPdf, type TSystemId, type TTestResult } from '@/lib/compliance/validation-report';
import { createDb } from '@/lib/db/client';
import { resolveDatabase } from '@/lib/db/resolve-database';
import { attachFiles } from '@/lib/records/attachments';
import { createRecord } from '@/lib/records/create-record';
import { personPassword } from './cli/person';

// `npm run validation-report`: runs the unit, integration and e2e suites (or, with
// --from-last-run, reads the results `npm test` left in test-results/) and writes the OQ
// evidence as PDF and JSON. With --import --as EMPLOYEE_ID the report becomes a draft document
// record in Custos, for QA to review and approve by signature like any record.

const ROOT = process.cwd();
const { values: f } = parseArgs({
  options: {
    'from-last-run': { type: 'boolean' },
    out: { type: 'string', default: path.join('data', 'validation') },
    results: { type: 'string', default: 'test-results' },
    import: { type: 'boolean' },
    as: { type: 'string' },
    'password-file': { type: 'string' },
  },
});

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] || 'unknown';
}

async function postgresVersion(): Promise<string> {
  const c = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' });
  try {
    await c.connect();
    return (await c.query<{ v: string }>('SELECT version() AS v')).rows[0].v;
  } catch (e) {
    return `unknown (${(e as Error).message})`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

async function systemId(): Promise<TSystemId> {
  const secret = /KEY|SECRET|TOKEN|PASSWORD|URL/;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('CUSTOS_') && !secret.test(k)).sort()) as Record<string, string>;
  const a = authConfig();
  return {
    gitRevision: execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
    gitDirty: execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() !== '',
    custosVersion: custosVersion(),
    lockfileSha256: createHash('sha256').update(readFileSync(path.join(ROOT, 'package-lock.json'))).digest('hex'),
    node: process.version,
    postgres: await postgresVersion(),
    mosquitto: sh('mosquitto', ['-h']),
    chromium: sh('/usr/bin/chromium', ['--version']),
    configuration: {
      'lockout threshold': String(a.lockoutThreshold),
      'idle lock (s)': String(a.idleTimeoutS),
      'session maximum (h)': String(a.sessionMaxHours),
      'password expiry (days)': String(a.passwordExpiryDays),
      'password history': String(a.passwordHistory),
      'continuous-session signing': a.continuousSessionSigning ? 'on' : 'off',
      ...env,
    },
  };
}

function readResults(): TTestResult[] {
  const out: TTestResult[] = [];
  const missing = (suite: 'unit' | 'integration' | 'e2e', file: string): TTestResult => ({
    suite,
    file,
    title: '(no results: the suite did not run)',
    status: 'failed',
    durationMs: 0,
    startedAt: new Date().toISOString(),
    failure: `${file} is missing`,
  });
  for (const suite of ['unit', 'integration'] as const) {
    const file = path.resolve(ROOT, f.results!, `vitest-${suite}.json`);
    out.push(...(existsSync(file) ? fromVitest(suite, JSON.parse(readFileSync(file, 'utf8')), ROOT) : [missing(suite, path.relative(ROOT, file))]));
  }
  const e2e = path.resolve(ROOT, f.results!, 'e2e.json');
  out.push(...(existsSync(e2e) ? fromPlaywright(JSON.parse(readFileSync(e2e, 'utf8')), ROOT) : [missing('e2e', path.relative(ROOT, e2e))]));
  return out;
}

async function main(): Promise<number> {
  if (!f['from-last-run']) {
    const r = spawnSync('npx', ['tsx', 'scripts/test.ts', 'unit', 'integration', 'e2e'], { stdio: 'inherit' });
    if (r.status === null) return 1;
  }
  const report = buildReport(readResults(), await systemId(), { exists: (p) => existsSync(path.join(ROOT, p)) });
  mkdirSync(f.out!, { recursive: true });
  const base = path.join(f.out!, `custos-oq-${report.system.gitRevision.slice(0, 12)}`);
  const json = Buffer.from(`${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.json`, json);
  const chunks: Buffer[] = [];
  const doc = renderReportPdf(report);
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((res) => doc.on('end', res));
  doc.end();
  await done;
  const pdf = Buffer.concat(chunks);
  writeFileSync(`${base}.pdf`, pdf);
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const t = report.totals;
  console.log(`wrote ${base}.pdf (SHA-256 ${sha(pdf)}) and ${base}.json (SHA-256 ${sha(json)})`);
  console.log(
    `unit ${t.unit.passed}/${t.unit.failed}/${t.unit.skipped}, integration ${t.integration.passed}/${t.integration.failed}/${t.integration.skipped}, e2e ${t.e2e.passed}/${t.e2e.failed}/${t.e2e.skipped} (passed/failed/skipped); ` +
      `${report.deviations.length} deviations; ${report.coverage.tested} of ${report.coverage.clauses} clauses proved, ${report.coverage.procedural} procedural`,
  );
  if (f.import) {
    const password = await personPassword(f);
    const resolved = await resolveDatabase();
    const db = createDb(resolved.appUrl);
    try {
      const person = await cliPerson(db, String(f.as), password);
      const rev = report.system.gitRevision.slice(0, 12);
      const rec = await createRecord(db, person, {
        kind: 'document',
        content: {
          title: `OQ evidence, Custos ${report.system.custosVersion} at ${rev}`,
          documentNumber: `OQ-${rev}`,
          revision: '1',
          body: [
            `Automated operational qualification run of ${report.generatedAt}.`,
            `Report PDF ${path.basename(base)}.pdf SHA-256 ${sha(pdf)}; JSON ${path.basename(base)}.json SHA-256 ${sha(json)} (attached to this version).`,
            `Results: unit ${t.unit.passed} passed / ${t.unit.failed} failed / ${t.unit.skipped} skipped; integration ${t.integration.passed} / ${t.integration.failed} / ${t.integration.skipped}; e2e ${t.e2e.passed} / ${t.e2e.failed} / ${t.e2e.skipped}.`,
            `Deviations: ${report.deviations.length ? report.deviations.map((d) => `${d.status} ${d.suite}: ${d.title}`).join('; ') : 'none'}.`,
            `Clauses: ${report.coverage.tested} of ${report.coverage.clauses} proved by passing tests, ${report.coverage.procedural} procedural.`,
            `System: ${report.system.node}; ${report.system.postgres}; ${report.system.mosquitto}; ${report.system.chromium}; lockfile SHA-256 ${report.system.lockfileSha256}.`,
          ].join('\n'),
        },
      });
      await attachFiles(db, person, rec.id, [
        { filename: `${path.basename(base)}.pdf`, contentType: 'application/pdf', bytes: pdf },
        { filename: `${path.basename(base)}.json`, contentType: 'application/json', bytes: json },
      ]);
      console.log(`imported as ${rec.number} (draft, PDF and JSON attached): submit, review and approve it by signature in Custos`);
    } finally {
      await db.$disconnect();
      await resolved.close();
    }
  }
  return report.deviations.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`validation-report: ${(e as Error).message}`);
    process.exit(1);
  },
);
