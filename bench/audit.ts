import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { verifyChain } from '@/lib/audit/verify-chain';
import { appDatabaseUrl } from '@/lib/config/database-url';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { CHAIN } from './audit-data';
import { load, type TLoadTimes } from './audit-load';
import { measureExport, measureLatency, pickScenarios, type TExportMeasure, type TLatency } from './audit-measure';
import { ADMIN_URL, fmtInt, note, positiveInt, runBench, withDatabase } from './common';

// Is the audit viewer as fast on a 10-million-event trail as on an empty one, whatever the
// filter? And do exports stream in constant memory? See bench/README.md ("bench:audit").
// Goals: filtered p95 ≤ 1.5 × unfiltered p95; CSV export peak RSS < 250 MB; PDF ≥ 15,000 rows/s.

const GOALS = { ratio: 1.5, csvRssMb: 250, pdfRowsPerSecond: 15_000 };

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '10000000' },
    'export-rows': { type: 'string', default: '1000000' },
    'pdf-rows': { type: 'string', default: '100000' },
    samples: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    database: { type: 'string' },
    // Internal: one measurement in a child process.
    measure: { type: 'string' },
    head: { type: 'string' },
  },
});
const EVENTS = positiveInt('events', args.events);
const EXPORT_ROWS = positiveInt('export-rows', args['export-rows']);
const PDF_ROWS = positiveInt('pdf-rows', args['pdf-rows']);
const SAMPLES = positiveInt('samples', args.samples);

function urls(name: string) {
  const ownerUrl = withDatabase(ADMIN_URL, name);
  return { ownerUrl, appUrl: appDatabaseUrl({ DATABASE_URL: ownerUrl, APP_DATABASE_PASSWORD: process.env.APP_DATABASE_PASSWORD }) };
}


/**
 * How a measuring child runs: compiled JavaScript, as a server does (`next build` output), not
 * through tsx. tsx compiles on the fly with module hooks that Node runs on a thread of their
 * own, a second V8 heap of about 35 MB in every process started with it: part of the peak RSS
 * of an export measured that way, but of no export in production. The same files are compiled
 * by the same esbuild tsx uses, into one module under node_modules/.cache (so its package
 * imports resolve as they do from the sources). Without esbuild the children run through tsx
 * and say so.
 */
async function childCommand(): Promise<{ args: string[]; compiled: boolean; cleanup: () => void }> {
  const viaTsx = { args: [...process.execArgv, process.argv[1]], compiled: false, cleanup: () => undefined };
  const esbuild = await import('esbuild').catch(() => null);
  if (!esbuild) {
    note('esbuild is not installed: measuring children run through tsx (about 35 MB more RSS each)');
    return viaTsx;
  }
  const outdir = path.resolve('node_modules/.cache/custos-bench', `audit-${process.pid}`);
  mkdirSync(outdir, { recursive: true });
  // splitting: a dynamic import() stays a separate module loaded on first use (the PDF writer
  // and pdfkit), as in the Next.js server build.
  await esbuild.build({
    entryPoints: { audit: process.argv[1] },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    packages: 'external',
    tsconfig: path.resolve('tsconfig.json'),
    logLevel: 'warning',
  });
  return { args: [path.join(outdir, 'audit.mjs')], compiled: true, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** Runs one measurement in a fresh process (its RSS is the export's, not the loader's) and returns its JSON. */
function child<T>(cmd: string[], kind: string, name: string, head: bigint, keyFile: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const { ownerUrl, appUrl } = urls(name);
    const p = spawn(
      process.execPath,
      [...cmd, '--measure', kind, '--database', name, '--head', head.toString(), '--samples', String(SAMPLES), '--export-rows', String(EXPORT_ROWS), '--pdf-rows', String(PDF_ROWS)],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, DATABASE_URL: ownerUrl, APP_DATABASE_URL: appUrl, CUSTOS_SIGNING_KEY_FILE: keyFile, CUSTOS_CHAIN_ID: CHAIN } },
    );
    let out = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`measurement ${kind} exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1)!) as T);
      } catch (e) {
        reject(e);
      }
    });
  });
}

async function runMeasurement(kind: string, name: string, head: bigint): Promise<unknown> {
  const { ownerUrl, appUrl } = urls(name);
  const db = createDb(appUrl);
  const owner = new pg.Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    if (kind === 'queries') {
      const scenarios = await pickScenarios(owner, head);
      return await measureLatency(db, owner, scenarios, { samples: SAMPLES });
    }
    const rows = BigInt(kind === 'csv' ? EXPORT_ROWS : kind === 'csv-small' ? Math.max(1, Math.floor(EXPORT_ROWS / 10)) : PDF_ROWS);
    const from = head - rows + 1n > 0n ? head - rows + 1n : 1n;
    return await measureExport(db, appUrl, kind === 'pdf' ? 'pdf' : 'csv', { fromSeq: from.toString(), toSeq: head.toString() });
  } finally {
    await owner.end();
    await db.$disconnect();
  }
}

interface TResult {
  events: number;
  load: TLoadTimes | null;
  loadExtrapolatedTo10MMinutes: number | null;
  queries: Array<TLatency & { firstRatio: number; deepRatio: number; meetsGoal: boolean }>;
  csvSmall: TExportMeasure;
  csv: TExportMeasure;
  pdf: TExportMeasure;
  /** Measuring children ran compiled JavaScript (false: through tsx, ~35 MB more RSS). */
  childrenCompiled: boolean;
  goals: typeof GOALS;
  meetsGoals: boolean;
  node: string;
  postgres: string;
}

function printTable(r: TResult) {
  const lines: string[] = [];
  lines.push(`audit viewer on ${fmtInt(r.events)} events (${r.postgres}, node ${r.node})`);
  if (r.load) {
    lines.push(
      `load: COPY ${r.load.copySeconds} s (${fmtInt(r.load.rowsPerSecond)} rows/s), reason words ${r.load.wordsSeconds} s, indexes ${r.load.indexSeconds} s, ` +
        `VACUUM ANALYZE ${r.load.vacuumAnalyzeSeconds} s, total ${r.load.totalSeconds} s; table ${fmtInt(r.load.tableMb)} MB, indexes ${fmtInt(r.load.indexesMb)} MB, ` +
        `audit_reason_words ${fmtInt(r.load.wordRows)} rows, ${fmtInt(r.load.wordsMb)} MB with its index`,
    );
    if (r.loadExtrapolatedTo10MMinutes !== null) lines.push(`load time extrapolated linearly to 10,000,000 events: ~${r.loadExtrapolatedTo10MMinutes} min`);
  }
  lines.push('');
  lines.push(`${'queryAudit, 50 rows a page'.padEnd(38)}${'matching'.padStart(11)}${'first p50'.padStart(11)}${'p95'.padStart(9)}${'ratio'.padStart(7)}${'deep p50'.padStart(10)}${'p95'.padStart(9)}${'ratio'.padStart(7)}  goal`);
  for (const q of r.queries) {
    lines.push(
      `${q.name.padEnd(38)}${fmtInt(q.matching).padStart(11)}${q.first.p50.toFixed(2).padStart(11)}${q.first.p95.toFixed(2).padStart(9)}${q.firstRatio.toFixed(2).padStart(7)}` +
        `${q.deep.p50.toFixed(2).padStart(10)}${q.deep.p95.toFixed(2).padStart(9)}${q.deepRatio.toFixed(2).padStart(7)}  ${q.name === 'unfiltered' ? '' : q.meetsGoal ? 'met' : 'NOT met'}`,
    );
  }
  lines.push(`(ms; ratio = filtered p95 / unfiltered p95, goal ≤ ${r.goals.ratio})`);
  lines.push('');
  const ex = (e: TExportMeasure, goal: string) =>
    `${e.format.toUpperCase().padEnd(4)} ${fmtInt(e.rows).padStart(10)} rows  ${e.seconds.toFixed(2).padStart(7)} s  ${fmtInt(e.rowsPerSecond).padStart(8)} rows/s  first byte ${e.firstByteSeconds.toFixed(2)} s  ` +
    `${fmtInt(e.bytes / 1048576)} MB  peak RSS ${e.peakRssMb} MB (kernel max ${e.kernelMaxRssMb} MB, before ${e.baselineRssMb} MB)  ${goal}`;
  lines.push(ex(r.csvSmall, '(same export, a tenth of the rows: memory must not grow with rows)'));
  lines.push(ex(r.csv, `goal RSS < ${r.goals.csvRssMb} MB: ${r.csv.kernelMaxRssMb < r.goals.csvRssMb ? 'met' : 'NOT met'}`));
  lines.push(ex(r.pdf, `goal ≥ ${fmtInt(r.goals.pdfRowsPerSecond)} rows/s: ${r.pdf.rowsPerSecond >= r.goals.pdfRowsPerSecond ? 'met' : 'NOT met'}`));
  lines.push(`chain verification in the exports: ${r.csv.verification}`);
  lines.push(`measuring processes ran ${r.childrenCompiled ? 'compiled JavaScript (esbuild)' : 'through tsx (its loader thread adds ~35 MB RSS)'}`);
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  if (args.measure) {
    const result = await runMeasurement(args.measure, args.database!, BigInt(args.head!));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const reuse = args.database;
  const name = reuse ?? `custos_bench_audit_${randomBytes(5).toString('hex')}`;
  const { ownerUrl, appUrl } = urls(name);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  if (!reuse) {
    await admin.query(`CREATE DATABASE ${name}`);
    note(`created database ${name}`);
  }
  // The signing key lives as long as the database: checkpoints signed in one run must verify in
  // the next one (--keep, then --database).
  const keyDir = path.join(tmpdir(), 'custos-bench-audit-keys', name);
  mkdirSync(keyDir, { recursive: true, mode: 0o700 });
  const owner = new pg.Client({ connectionString: ownerUrl });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await owner.end().catch(() => undefined);
    if (!reuse && !args.keep) {
      rmSync(keyDir, { recursive: true, force: true });
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      note(`dropped database ${name}`);
    } else note(`kept database ${name} (reuse with --database ${name})`);
    await admin.end();
  };
  // Interrupted: the data is incomplete, so the database goes even with --keep. DROP … WITH
  // (FORCE) ends our own connections too, including one in the middle of a COPY.
  const onSignal = (signal: NodeJS.Signals) => {
    note(`${signal}: dropping ${name}`);
    owner.on('error', () => undefined); // its connection is about to be terminated
    const force = reuse ? Promise.resolve() : admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).then(() => rmSync(keyDir, { recursive: true, force: true }));
    force.then(
      () => process.exit(130),
      (e: unknown) => {
        console.error(e);
        process.exit(130);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await owner.connect();
    await migrate(owner);
    const postgres = (await owner.query<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v")).rows[0].v;
    let head: bigint;
    let times: TLoadTimes | null = null;
    if (reuse) {
      head = BigInt((await owner.query<{ seq: string }>('SELECT seq::text FROM audit_chain_heads WHERE chain_id = $1', [CHAIN])).rows[0].seq);
      // Exports of earlier runs appended their own events: measure the synthetic rows only.
      const synthetic = await owner.query<{ seq: string }>(`SELECT max(seq)::text AS seq FROM audit_events WHERE chain_id = $1 AND NOT (action LIKE 'audit.%' AND actor_id = 'BENCH-AUDITOR')`, [CHAIN]);
      head = BigInt(synthetic.rows[0].seq ?? head);
      note(`reusing ${name}: ${fmtInt(Number(head))} events`);
      await owner.query('ANALYZE audit_events');
    } else {
      ({ head, times } = await load(owner, EVENTS));
      // The loaded chain is a valid chain: its start verifies as the app's would (the exports
      // below verify their whole range up to the head).
      const app = new pg.Client({ connectionString: appUrl });
      await app.connect();
      const v = await verifyChain(app, { chainId: CHAIN, toSeq: head < 50_000n ? head : 50_000n });
      await app.end();
      if (!v.ok) throw new Error(`the loaded chain does not verify: ${JSON.stringify(v.broken)}`);
    }

    const cmd = await childCommand();
    let latency: TLatency[];
    let csvSmall: TExportMeasure;
    let csv: TExportMeasure;
    let pdf: TExportMeasure;
    try {
      const keyFile = path.join(keyDir, 'key.pem');
      note(`measuring queryAudit latency (children run ${cmd.compiled ? 'compiled JavaScript' : 'through tsx'})`);
      latency = await child<TLatency[]>(cmd.args, 'queries', name, head, keyFile);
      // Two sizes: constant memory means the same peak for a tenth of the rows.
      note(`exporting ${fmtInt(Math.min(Math.floor(EXPORT_ROWS / 10), Number(head)))} rows as CSV`);
      csvSmall = await child<TExportMeasure>(cmd.args, 'csv-small', name, head, keyFile);
      note(`exporting ${fmtInt(Math.min(EXPORT_ROWS, Number(head)))} rows as CSV`);
      csv = await child<TExportMeasure>(cmd.args, 'csv', name, head, keyFile);
      note(`exporting ${fmtInt(Math.min(PDF_ROWS, Number(head)))} rows as PDF`);
      pdf = await child<TExportMeasure>(cmd.args, 'pdf', name, head, keyFile);
    } finally {
      cmd.cleanup();
    }

    const base = latency.find((q) => q.name === 'unfiltered')!;
    const queries = latency.map((q) => {
      const firstRatio = Number((q.first.p95 / base.first.p95).toFixed(2));
      const deepRatio = Number((q.deep.p95 / base.deep.p95).toFixed(2));
      return { ...q, firstRatio, deepRatio, meetsGoal: firstRatio <= GOALS.ratio && deepRatio <= GOALS.ratio };
    });
    const result: TResult = {
      events: Number(head),
      load: times,
      loadExtrapolatedTo10MMinutes: times && EVENTS < 10_000_000 ? Number(((times.totalSeconds * (10_000_000 / EVENTS)) / 60).toFixed(1)) : null,
      queries,
      csvSmall,
      csv,
      pdf,
      childrenCompiled: cmd.compiled,
      goals: GOALS,
      meetsGoals: queries.every((q) => q.meetsGoal) && csv.kernelMaxRssMb < GOALS.csvRssMb && pdf.rowsPerSecond >= GOALS.pdfRowsPerSecond,
      node: process.version,
      postgres,
    };
    if (args.json) console.log(JSON.stringify(result, null, 2));
    else printTable(result);
    return result.meetsGoals ? 0 : 2;
  } finally {
    await drop();
  }
}

runBench(main);
