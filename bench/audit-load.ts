import type pg from 'pg';
import { CHAIN, copyEvents, GENESIS_HASH } from './audit-data';
import { fmtInt, note } from './common';

// Loading a synthetic trail fast (bench/audit.ts, bench/backup.ts): see load() below.

export interface TLoadTimes {
  copySeconds: number;
  indexSeconds: number;
  vacuumAnalyzeSeconds: number;
  totalSeconds: number;
  rowsPerSecond: number;
  tableMb: number;
  indexesMb: number;
  /** audit_reason_words: filling it after the COPY, its rows, and its size with its index. */
  wordsSeconds: number;
  wordRows: number;
  wordsMb: number;
}

interface TTableKeys {
  table: string;
  defs: string[];
  constraints: Array<{ name: string; def: string; index: string }>;
  plain: Array<{ name: string; def: string }>;
}

/** Index definitions of a table, and its unique constraints and other indexes to drop and rebuild. */
async function tableKeys(owner: pg.Client, table: string): Promise<TTableKeys> {
  const defs = await indexDefs(owner, table);
  const constraints = (
    await owner.query<{ name: string; def: string; index: string }>(
      `SELECT c.conname AS name, pg_get_constraintdef(c.oid) AS def, i.relname AS index
         FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid
        WHERE c.conrelid = $1::regclass AND c.contype IN ('p', 'u')`,
      [table],
    )
  ).rows;
  const plain = (
    await owner.query<{ name: string; def: string }>(
      `SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = $1 AND NOT (indexname = ANY($2::text[]))`,
      [table, constraints.map((c) => c.index)],
    )
  ).rows;
  return { table, defs, constraints, plain };
}

async function indexDefs(owner: pg.Client, table: string): Promise<string[]> {
  return (await owner.query<{ def: string }>(`SELECT indexdef AS def FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, [table])).rows.map((r) => r.def);
}

async function triggerStates(owner: pg.Client): Promise<Array<{ name: string; enabled: string; insert: boolean }>> {
  return (
    await owner.query<{ name: string; enabled: string; insert: boolean }>(
      `SELECT tgname AS name, tgenabled AS enabled, (tgtype & 4) <> 0 AS insert FROM pg_trigger
        WHERE tgrelid = 'audit_events'::regclass AND NOT tgisinternal ORDER BY tgname`,
    )
  ).rows;
}

const ENABLE: Record<string, string> = { O: 'ENABLE', A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA', D: 'DISABLE' };

/**
 * Bulk load as a restore would do it: secondary indexes and the unique constraints of
 * audit_events and audit_reason_words are dropped, and the INSERT triggers of audit_events
 * disabled (pg_restore --disable-triggers); the rows are COPYed, the words of their reasons
 * inserted in one statement (what the trigger does per statement), then everything is rebuilt
 * and re-enabled from its own saved definition (the schema ends up exactly as migrated, which
 * is checked). The other trigger checks that time never goes backwards: the generator makes
 * sure of it row by row (bench/audit-data.ts).
 */
export async function load(owner: pg.Client, EVENTS: number): Promise<{ head: bigint; times: TLoadTimes }> {
  const existing = await owner.query<{ seq: string | null }>('SELECT max(seq)::text AS seq FROM audit_events WHERE chain_id = $1', [CHAIN]);
  if (existing.rows[0].seq) throw new Error(`chain ${CHAIN} is not empty after migrating; the bench expects an empty trail`);
  const tables = [await tableKeys(owner, 'audit_events'), await tableKeys(owner, 'audit_reason_words')];
  const triggers = await triggerStates(owner);
  for (const t of tables) {
    for (const c of t.constraints) await owner.query(`ALTER TABLE ${t.table} DROP CONSTRAINT ${c.name}`);
    for (const ix of t.plain) await owner.query(`DROP INDEX ${ix.name}`);
  }
  for (const tg of triggers) if (tg.insert) await owner.query(`ALTER TABLE audit_events DISABLE TRIGGER ${tg.name}`);

  const started = performance.now();
  let lastNote = started;
  note(`loading ${fmtInt(EVENTS)} events with COPY FROM STDIN`);
  const loaded = await copyEvents(owner, {
    n: EVENTS,
    startSeq: 0n,
    startHash: GENESIS_HASH,
    endMs: Date.now() - 3_600_000,
    onProgress: (done) => {
      const now = performance.now();
      if (now - lastNote > 5_000 || done === EVENTS) {
        lastNote = now;
        note(`  ${fmtInt(done)}/${fmtInt(EVENTS)} (${Math.floor((done / EVENTS) * 100)}%), ${fmtInt(done / ((now - started) / 1000))} events/s`);
      }
    },
  });
  const copySeconds = (performance.now() - started) / 1000;

  // The words of every reason, as the trigger custos_audit_reason_words() inserts them
  // (migration 20261122060000_audit_time_order).
  const wStarted = performance.now();
  await owner.query(`INSERT INTO audit_reason_words (chain_id, word, seq)
    SELECT e.chain_id, w.word, e.seq FROM audit_events e CROSS JOIN LATERAL unnest(tsvector_to_array(e.reason_tsv)) AS w(word)`);
  const wordsSeconds = (performance.now() - wStarted) / 1000;
  note(`  audit_reason_words: ${wordsSeconds.toFixed(1)} s`);

  const ixStarted = performance.now();
  await owner.query(`SET maintenance_work_mem = '1GB'`);
  await owner.query('SET max_parallel_maintenance_workers = 2');
  for (const t of tables) {
    for (const c of t.constraints) {
      const ts = performance.now();
      await owner.query(`ALTER TABLE ${t.table} ADD CONSTRAINT ${c.name} ${c.def}`);
      note(`  ${c.name}: ${((performance.now() - ts) / 1000).toFixed(1)} s`);
    }
    for (const ix of t.plain) {
      const ts = performance.now();
      await owner.query(ix.def);
      note(`  ${ix.name}: ${((performance.now() - ts) / 1000).toFixed(1)} s`);
    }
  }
  const indexSeconds = (performance.now() - ixStarted) / 1000;
  for (const t of tables) {
    const after = await indexDefs(owner, t.table);
    if (JSON.stringify(after) !== JSON.stringify(t.defs)) throw new Error(`indexes of ${t.table} differ after the rebuild:\n${t.defs.join('\n')}\n---\n${after.join('\n')}`);
  }
  for (const tg of triggers) if (tg.insert) await owner.query(`ALTER TABLE audit_events ${ENABLE[tg.enabled]} TRIGGER ${tg.name}`);
  if (JSON.stringify(await triggerStates(owner)) !== JSON.stringify(triggers)) throw new Error('the triggers of audit_events differ after the load');

  await owner.query(
    `INSERT INTO audit_chain_heads (chain_id, seq, hash, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (chain_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at`,
    [CHAIN, loaded.headSeq.toString(), loaded.headHash, loaded.lastTime],
  );
  // VACUUM as well as ANALYZE: autovacuum does both on an insert-only table (PostgreSQL ≥ 13)
  // long before anyone pages through ten million events; index-only scans need the visibility map.
  const vStarted = performance.now();
  await owner.query('VACUUM (ANALYZE) audit_events');
  await owner.query('VACUUM (ANALYZE) audit_reason_words');
  const vacuumAnalyzeSeconds = (performance.now() - vStarted) / 1000;
  const sizes = (
    await owner.query<{ t: string; i: string; w: string; n: string }>(
      `SELECT pg_table_size('audit_events')::text AS t, pg_indexes_size('audit_events')::text AS i,
              pg_total_relation_size('audit_reason_words')::text AS w, (SELECT count(*) FROM audit_reason_words)::text AS n`,
    )
  ).rows[0];
  const totalSeconds = (performance.now() - started) / 1000;
  return {
    head: loaded.headSeq,
    times: {
      copySeconds: Number(copySeconds.toFixed(1)),
      indexSeconds: Number(indexSeconds.toFixed(1)),
      vacuumAnalyzeSeconds: Number(vacuumAnalyzeSeconds.toFixed(1)),
      totalSeconds: Number(totalSeconds.toFixed(1)),
      rowsPerSecond: Math.round(EVENTS / copySeconds),
      tableMb: Math.round(Number(sizes.t) / 1048576),
      indexesMb: Math.round(Number(sizes.i) / 1048576),
      wordsSeconds: Number(wordsSeconds.toFixed(1)),
      wordRows: Number(sizes.n),
      wordsMb: Math.round(Number(sizes.w) / 1048576),
    },
  };
}
