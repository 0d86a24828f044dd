import pg from 'pg';
import type { TAuditFilter } from '@/lib/audit/audit-filter';
import { auditWhere } from '@/lib/audit/audit-sql';
import { startAuditExport, type TExportFormat } from '@/lib/audit/export/run-export';
import { queryAudit } from '@/lib/audit/query-audit';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { CHAIN, COMMON_ACTOR, COMMON_WORD, RARE_ACTOR } from './audit-data';
import { note } from './common';

// The measurements of bench/audit.ts, each run in a fresh child process (clean RSS): page
// latency through queryAudit (what /audit calls), and exports through startAuditExport (what
// /api/audit/export streams).

/** The auditor the bench acts as: queryAudit and startAuditExport check these permissions. */
export const BENCH_AUDITOR: TCurrentUser = {
  id: '00000000-0000-4000-8000-000000000001',
  employeeId: 'BENCH-AUDITOR',
  displayName: 'Bench Auditor',
  email: null,
  roles: ['Auditor'],
  permissions: new Set(['audit.read', 'audit.export', 'audit.verify']),
  sessionId: 'bench-session',
  idleDeadline: new Date(Date.now() + 86_400_000),
  idleTimeoutS: 900,
  passwordExpiresAt: null,
  mfaEnabled: false,
  signedAt: null,
};

export interface TScenario {
  name: string;
  filter: TAuditFilter;
}

export interface TLatency {
  name: string;
  filter: TAuditFilter;
  matching: number;
  first: { p50: number; p95: number; samples: number };
  deep: { p50: number; p95: number; samples: number };
}

function toPg(sql: ReturnType<typeof auditWhere>) {
  return { text: sql.text, values: sql.values.map((v) => (typeof v === 'bigint' ? v.toString() : v)) };
}

/** The filters to time, with values picked from the loaded data (deterministic for a given N). */
export async function pickScenarios(owner: pg.ClientBase, head: bigint): Promise<TScenario[]> {
  const mid = (head / 2n).toString();
  const one = async <T extends pg.QueryResultRow>(sql: string, values: unknown[]) => (await owner.query<T>(sql, values)).rows[0];
  const rec = await one<{ entity_id: string }>(
    `SELECT entity_id FROM audit_events WHERE chain_id = $1 AND seq >= $2 AND entity_type = 'Record' ORDER BY seq LIMIT 1`,
    [CHAIN, mid],
  );
  const ctx = await one<{ context_ref: string }>(
    `SELECT context_ref FROM audit_events WHERE chain_id = $1 AND seq >= $2 AND context_ref LIKE 'Record:%/transition:%' ORDER BY seq LIMIT 1`,
    [CHAIN, mid],
  );
  const day = await one<{ d: string }>(`SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d FROM audit_events WHERE chain_id = $1 AND seq = $2`, [CHAIN, mid]);
  const capa = await one<{ code: string }>(
    `SELECT substring(reason from 'CAPA-[0-9]+') AS code FROM audit_events WHERE chain_id = $1 AND seq >= $2 AND reason LIKE '%CAPA-%' ORDER BY seq LIMIT 1`,
    [CHAIN, mid],
  );
  return [
    { name: 'unfiltered', filter: {} },
    { name: 'rare actor', filter: { actor: RARE_ACTOR } },
    { name: 'common actor', filter: { actor: COMMON_ACTOR } },
    { name: 'action', filter: { action: 'record.sign' } },
    { name: 'action prefix record.*', filter: { action: 'record.*' } },
    { name: 'entity type+id', filter: { entityType: 'Record', entityId: rec.entity_id } },
    { name: 'context_ref', filter: { contextRef: ctx.context_ref } },
    { name: 'date range (1 day)', filter: { from: day.d, to: day.d } },
    { name: `text in reason (${capa.code})`, filter: { q: capa.code } },
    { name: `text in reason (${COMMON_WORD})`, filter: { q: COMMON_WORD } },
  ];
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

const round = (ms: number) => Number(ms.toFixed(3));

function summary(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: round(percentile(sorted, 0.5)), p95: round(percentile(sorted, 0.95)), samples: sorted.length };
}

interface TPrepared {
  s: TScenario;
  matching: number;
  cursor: () => bigint;
  first: number[];
  deep: number[];
}

/**
 * p50/p95 of the first page and of deep pages (a `before` cursor spread over the filter's
 * matching range), 50 rows a page. Rounds interleave the scenarios (one query of each per
 * round), so a busy neighbour on the machine slows them all alike and the ratios stay fair.
 */
export async function measureLatency(db: TDb, owner: pg.ClientBase, scenarios: TScenario[], opts: { samples: number; budgetMs?: number }): Promise<TLatency[]> {
  const prepared: TPrepared[] = [];
  for (const s of scenarios) {
    const w = toPg(auditWhere(CHAIN, s.filter));
    const stats = (
      await owner.query<{ n: string; lo: string | null; hi: string | null }>(
        `SELECT count(*)::text AS n, min(seq)::text AS lo, max(seq)::text AS hi FROM audit_events WHERE ${w.text}`,
        w.values,
      )
    ).rows[0];
    const lo = BigInt(stats.lo ?? '1');
    const hi = BigInt(stats.hi ?? '1');
    // Deep cursors spread over the filter's matching range, the same sequence on every run.
    let x = 12345;
    const cursor = () => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      const span = hi - lo;
      return lo + 1n + (span > 0n ? (BigInt(x) * span) / 4294967296n : 0n);
    };
    prepared.push({ s, matching: Number(stats.n), cursor, first: [] as number[], deep: [] as number[] });
  }
  const timed = async (run: () => Promise<unknown>) => {
    const t = performance.now();
    await run();
    return performance.now() - t;
  };
  const first = (p: TPrepared) => queryAudit(db, BENCH_AUDITOR, { filter: p.s.filter, chainId: CHAIN });
  const deep = (p: TPrepared) => queryAudit(db, BENCH_AUDITOR, { filter: p.s.filter, before: p.cursor(), chainId: CHAIN });
  for (let i = 0; i < 10; i++) {
    for (const p of prepared) {
      await first(p);
      await deep(p);
    }
  }
  const until = performance.now() + (opts.budgetMs ?? 240_000);
  for (let r = 0; r < opts.samples && (r < 30 || performance.now() < until); r++) {
    for (const p of prepared) {
      p.first.push(await timed(() => first(p)));
      p.deep.push(await timed(() => deep(p)));
    }
  }
  return prepared.map((p) => {
    const r: TLatency = { name: p.s.name, filter: p.s.filter, matching: p.matching, first: summary(p.first), deep: summary(p.deep) };
    note(`  ${r.name.padEnd(36)} ${String(r.matching).padStart(10)} rows   first p95 ${r.first.p95.toFixed(2)} ms   deep p95 ${r.deep.p95.toFixed(2)} ms`);
    return r;
  });
}

export interface TExportMeasure {
  format: TExportFormat;
  rows: number;
  bytes: number;
  seconds: number;
  firstByteSeconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  baselineRssMb: number;
  kernelMaxRssMb: number;
  verification: string;
}

/** Streams one export of the seq range to nowhere, sampling RSS every 10 ms (and the kernel's high-water mark). */
export async function measureExport(db: TDb, appUrl: string, format: TExportFormat, filter: TAuditFilter): Promise<TExportMeasure> {
  const pool = new pg.Pool({ connectionString: appUrl, max: 2 });
  // A server has its database clients loaded and connected before anyone exports: so does the
  // baseline here (Prisma's query compiler alone is ~70 MB of RSS on first use).
  await db.auditChainHead.findFirst({ select: { seq: true } });
  await (await pool.connect()).release();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 10);
  try {
    const started = performance.now();
    const client = await pool.connect();
    const exp = await startAuditExport(db, client, BENCH_AUDITOR, { format, filter, chainId: CHAIN });
    let bytes = 0;
    let firstByte = 0;
    for await (const chunk of exp.stream) {
      if (bytes === 0) firstByte = performance.now();
      bytes += (chunk as Buffer).length;
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    const seconds = (performance.now() - started) / 1000;
    // The export's own audit event is written when the stream ends.
    await new Promise((r) => setTimeout(r, 300));
    return {
      format,
      rows: exp.header.rows,
      bytes,
      seconds: round(seconds),
      firstByteSeconds: round((firstByte - started) / 1000),
      rowsPerSecond: Math.round(exp.header.rows / seconds),
      peakRssMb: Math.round(peak / 1048576),
      baselineRssMb: Math.round(baseline / 1048576),
      kernelMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      verification: exp.header.verification.summary,
    };
  } finally {
    clearInterval(sampler);
    await pool.end();
  }
}
