import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { createBackup } from '@/lib/backup/create-backup';
import { openBackup } from '@/lib/backup/open-backup';
import { pgTool } from '@/lib/backup/pg-tools';
import { checkScratch, dropScratch, restoreIntoScratch, scratchName } from '@/lib/backup/restore-scratch';
import { appDatabaseUrl } from '@/lib/config/database-url';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { load } from './audit-load';
import { ADMIN_URL, fmtInt, note, positiveInt, runBench, withDatabase } from './common';

// How much does encrypting a backup cost? A site with N audit events (default 1,000,000, as a
// valid chain, loaded like bench:audit does) is backed up with createBackup (pg_dump -Fc in an
// exported snapshot, AES-256-GCM chunks, SHA-256, signed manifest) and, in the same run, dumped
// with a plain `pg_dump -Fc` to /dev/null. Goal: encrypted throughput ÷ plain ≥ 0.8. Then the
// backup is restored into a scratch database and its whole chain verified (what a drill does),
// timed. Peak RSS of this process is sampled in each phase (it must not grow with the site).
// See bench/README.md ("bench:backup").

const GOAL = 0.8;
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: process.env.BENCH_EVENTS ?? '1000000' },
    rounds: { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const EVENTS = positiveInt('events', args.events);
const ROUNDS = positiveInt('rounds', args.rounds);

/** Peak RSS of this process while `fn` runs, sampled every 50 ms. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMb: number; seconds: number }> {
  let peak = process.memoryUsage.rss();
  const t = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const started = performance.now();
  try {
    const value = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, peakMb: Math.round(peak / 1048576), seconds: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(t);
  }
}

/** The baseline: `pg_dump -Fc` (same compression as a backup) straight to /dev/null. */
function plainDump(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = openSync('/dev/null', 'w');
    const started = performance.now();
    const child = spawn(pgTool('pg_dump'), ['--format=custom', '--compress=6', '--no-password', `--dbname=${url}`], { stdio: ['ignore', out, 'inherit'] });
    child.once('error', reject);
    child.once('close', (code) => {
      closeSync(out);
      if (code === 0) resolve((performance.now() - started) / 1000);
      else reject(new Error(`pg_dump exited ${code}`));
    });
  });
}

async function main(): Promise<number> {
  const name = `custos_bench_backup_${randomBytes(4).toString('hex')}`;
  const ownerUrl = withDatabase(ADMIN_URL, name);
  const appUrl = appDatabaseUrl({ DATABASE_URL: ownerUrl, APP_DATABASE_PASSWORD: process.env.APP_DATABASE_PASSWORD });
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-bench-backup-'));
  Object.assign(process.env, {
    DATABASE_URL: ownerUrl,
    APP_DATABASE_URL: appUrl,
    CUSTOS_BACKUP_DIR: path.join(dir, 'backups'),
    CUSTOS_BACKUP_KEY_FILE: path.join(dir, 'keys', 'backup.key'),
    CUSTOS_SIGNING_KEY_FILE: path.join(dir, 'keys', 'audit-signing-key.pem'),
    CUSTOS_SECRETS_KEY_FILE: path.join(dir, 'keys', 'secrets.key'),
  });
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  note(`created database ${name}`);
  const owner = new pg.Client({ connectionString: ownerUrl });
  const db = createDb(appUrl);
  const scratches: string[] = [];
  const cleanup = async () => {
    await db.$disconnect().catch(() => undefined);
    await owner.end().catch(() => undefined);
    for (const s of [...scratches, name]) await admin.query(`DROP DATABASE IF EXISTS ${s} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
    note(`dropped database ${name}`);
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await owner.connect();
    await migrate(owner);
    const loadAvgBefore = loadavg()[0];
    const { head, times } = await load(owner, EVENTS);
    await createCheckpoint(db);
    const dbMb = Math.round(Number((await owner.query<{ s: string }>('SELECT pg_database_size(current_database())::text AS s')).rows[0].s) / 1048576);
    note(`loaded ${fmtInt(Number(head))} events in ${times.totalSeconds} s; database ${dbMb} MiB`);

    if (typeof globalThis.gc === 'function') globalThis.gc();
    const rssBeforeMb = Math.round(process.memoryUsage.rss() / 1048576);
    // Alternating rounds, the fastest of each kept: other load only ever makes a round slower.
    const plain: number[] = [];
    const enc: Array<{ seconds: number; peakMb: number; bytes: number; plaintextBytes: number; fileName: string; manifestHash: string }> = [];
    for (let r = 0; r < ROUNDS; r++) {
      note(`round ${r + 1}/${ROUNDS}: plain pg_dump -Fc > /dev/null`);
      plain.push(await plainDump(ownerUrl));
      note(`  ${plain.at(-1)!.toFixed(2)} s`);
      note(`round ${r + 1}/${ROUNDS}: encrypted backup (createBackup)`);
      const b = await peakRss(() => createBackup(db, { actor: SYSTEM_CLI, ownerUrl }));
      enc.push({ seconds: b.seconds, peakMb: b.peakMb, bytes: b.value.size, plaintextBytes: b.value.manifest.plaintext_size, fileName: b.value.fileName, manifestHash: b.value.manifestHash });
      note(`  ${b.seconds.toFixed(2)} s, ${fmtInt(b.value.size)} bytes, peak RSS ${b.peakMb} MiB`);
    }
    const bestPlain = Math.min(...plain);
    const bestEnc = enc.reduce((a, b) => (b.seconds < a.seconds ? b : a));
    // Same data, so throughput ratio = time ratio (the dump bytes are the same stream).
    const ratio = bestPlain / bestEnc.seconds;

    note('restore into a scratch database and verify the whole chain');
    const restored = await peakRss(async () => {
      const b = await openBackup(bestEnc.fileName, bestEnc.manifestHash);
      const database = scratchName('custos_drill');
      scratches.push(database);
      const t0 = performance.now();
      const open = await restoreIntoScratch(b, { ownerUrl, database });
      const restoreSeconds = (performance.now() - t0) / 1000;
      try {
        const t1 = performance.now();
        const check = await checkScratch(open.client, b, open.plaintextBytes);
        return { restoreSeconds, verifySeconds: (performance.now() - t1) / 1000, check };
      } finally {
        await open.close();
        await dropScratch(open.scratch, ownerUrl);
      }
    });
    if (!restored.value.check.ok) throw new Error(`the restored chain does not verify: ${restored.value.check.reason}`);

    const result = {
      events: Number(head),
      databaseMb: dbMb,
      loadSeconds: times.totalSeconds,
      plainDumpSeconds: Number(bestPlain.toFixed(2)),
      plainDumpRounds: plain.map((x) => Number(x.toFixed(2))),
      encryptedBackupSeconds: Number(bestEnc.seconds.toFixed(2)),
      encryptedBackupRounds: enc.map((x) => Number(x.seconds.toFixed(2))),
      dumpMb: Number((bestEnc.plaintextBytes / 1048576).toFixed(1)),
      encryptedMb: Number((bestEnc.bytes / 1048576).toFixed(1)),
      encryptedMbPerSecond: Number((bestEnc.plaintextBytes / 1048576 / bestEnc.seconds).toFixed(1)),
      plainMbPerSecond: Number((bestEnc.plaintextBytes / 1048576 / bestPlain).toFixed(1)),
      ratio: Number(ratio.toFixed(2)),
      goal: GOAL,
      rssBeforeBackupMb: rssBeforeMb,
      backupPeakRssMb: Math.max(...enc.map((x) => x.peakMb)),
      restoreSeconds: Number(restored.value.restoreSeconds.toFixed(2)),
      verifySeconds: Number(restored.value.verifySeconds.toFixed(2)),
      restoreAndVerifySeconds: Number(restored.seconds.toFixed(2)),
      verifiedEvents: restored.value.check.chain.count,
      restorePeakRssMb: restored.peakMb,
      loadAverage: { before: Number(loadAvgBefore.toFixed(1)), after: Number(loadavg()[0].toFixed(1)) },
      node: process.version,
    };
    if (args.json) console.log(JSON.stringify(result, null, 2));
    else {
      console.log(`bench:backup — ${fmtInt(result.events)} audit events, database ${dbMb} MiB, dump ${result.dumpMb} MiB → ${result.encryptedMb} MiB encrypted`);
      console.log(`  plain pg_dump -Fc > /dev/null : ${result.plainDumpSeconds} s (${result.plainMbPerSecond} MiB/s)  rounds ${result.plainDumpRounds.join(', ')}`);
      console.log(`  encrypted backup              : ${result.encryptedBackupSeconds} s (${result.encryptedMbPerSecond} MiB/s)  rounds ${result.encryptedBackupRounds.join(', ')}`);
      console.log(`  ratio (encrypted ÷ plain)     : ${result.ratio}  (goal ≥ ${GOAL}) ${ratio >= GOAL ? 'met' : 'NOT met'}`);
      console.log(`  restore + full chain verify   : ${result.restoreAndVerifySeconds} s (restore ${result.restoreSeconds} s, verify ${result.verifySeconds} s, ${fmtInt(result.verifiedEvents)} events)`);
      console.log(`  peak RSS                      : backup ${result.backupPeakRssMb} MiB, restore + verify ${result.restorePeakRssMb} MiB (${rssBeforeMb} MiB before the first backup)`);
      console.log(`  load average                  : ${result.loadAverage.before} → ${result.loadAverage.after}`);
    }
    return ratio >= GOAL ? 0 : 2;
  } finally {
    await cleanup();
  }
}

runBench(main);
