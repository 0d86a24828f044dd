import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditFilter } from '@/lib/audit/audit-filter';
import { auditPageSeqs } from '@/lib/audit/audit-sql';
import { canonicalize } from '@/lib/audit/canonical';
import { chainHash, GENESIS_HASH } from '@/lib/audit/chain';
import { toCanonicalObject, ZAuditEventInput } from '@/lib/audit/events';
import { exportRows } from '@/lib/audit/export/export-source';
import { queryAudit } from '@/lib/audit/query-audit';
import { verifyChain } from '@/lib/audit/verify-chain';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { MIGRATIONS_DIR, migrate } from '@/lib/db/migrate';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// Migration 20261122060000_audit_time_order: time never goes backwards along a chain (appendAudit
// and a trigger), so the viewer answers a date range as a seq range; one word of the reason is
// read from audit_reason_words. Both must return exactly what the plain predicates return.

const AUDITOR: TCurrentUser = {
  id: '00000000-0000-4000-8000-0000000000a1',
  employeeId: 'TEST-AUDITOR',
  displayName: 'Test Auditor',
  email: null,
  roles: ['Auditor'],
  permissions: new Set(['audit.read', 'audit.export']),
  sessionId: 'test-session',
  idleDeadline: new Date(Date.now() + 86_400_000),
  idleTimeoutS: 900,
  passwordExpiresAt: null,
  mfaEnabled: false,
  signedAt: null,
};

let t: TTestDatabase;
const extra: TTestDatabase[] = [];
const tempDirs: string[] = [];
beforeAll(async () => {
  t = await createTestDatabase('time_order');
});
afterAll(async () => {
  for (const d of extra) await d.drop();
  await t?.drop();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

interface TTrailEvent {
  /** UTC, microseconds: 2026-03-01T10:00:00.000000Z */
  at: string;
  reason?: string | null;
  actor?: string;
}

/**
 * Writes events the way appendAudit does (canonical text, hash chain, head row) but with the
 * given times, as the owner: a trail spread over days without waiting for them.
 */
async function insertTrail(c: pg.Client, chainId: string, events: TTrailEvent[]): Promise<void> {
  const head = await c.query<{ seq: string; hash: Buffer }>('SELECT seq::text, hash FROM audit_chain_heads WHERE chain_id = $1', [chainId]);
  let seq = head.rows[0] ? BigInt(head.rows[0].seq) : 0n;
  let prev: Buffer = head.rows[0]?.hash ?? GENESIS_HASH;
  for (const ev of events) {
    seq += 1n;
    const e = ZAuditEventInput.parse({
      actor: { type: 'user', id: ev.actor ?? 'EMP-0001', name: 'Test Person' },
      action: 'test.event',
      entityType: 'Test',
      entityId: String(seq),
      reason: ev.reason ?? null,
    });
    const canonical = canonicalize(toCanonicalObject(e, chainId, seq, ev.at));
    const hash = chainHash(prev, canonical);
    await c.query(
      `INSERT INTO audit_events (chain_id, seq, occurred_at, actor_type, actor_id, actor_name, action, entity_type, entity_id, reason, canonical, prev_hash, hash)
       VALUES ($1, $2, $3, 'user', $4, 'Test Person', 'test.event', 'Test', $5, $6, $7, $8, $9)`,
      [chainId, seq.toString(), ev.at, e.actor.id, e.entityId, e.reason, canonical, prev, hash],
    );
    prev = hash;
  }
  await c.query(
    `INSERT INTO audit_chain_heads (chain_id, seq, hash, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (chain_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at`,
    [chainId, seq.toString(), prev, events.at(-1)!.at],
  );
}

/** Every seq queryAudit returns for the filter, paging `limit` at a time, in display order. */
async function viewer(db: TTestDatabase, chainId: string, filter: TAuditFilter, dir: 'desc' | 'asc'): Promise<string[]> {
  const seen: string[] = [];
  let cursor: bigint | undefined;
  for (let i = 0; i < 1000; i++) {
    const page = await queryAudit(db.db, AUDITOR, { filter, chainId, dir, limit: 7, ...(dir === 'desc' ? { before: cursor } : { after: cursor }) });
    seen.push(...page.rows.map((r) => r.seq));
    const next = dir === 'desc' ? page.older : page.newer;
    if (!next) return seen;
    cursor = BigInt(next);
  }
  throw new Error('paging did not end');
}

/** The same filter as plain predicates on the columns: what the viewer must return. */
async function reference(c: pg.Client, chainId: string, f: TAuditFilter): Promise<string[]> {
  const where = ['chain_id = $1'];
  const values: unknown[] = [chainId];
  const add = (sql: string, v: unknown) => {
    values.push(v);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (f.from) add(/^\d{4}-\d{2}-\d{2}$/.test(f.from) ? `occurred_at >= (?::date)::timestamp AT TIME ZONE 'UTC'` : 'occurred_at >= ?::timestamptz', f.from);
  if (f.to) add(/^\d{4}-\d{2}-\d{2}$/.test(f.to) ? `occurred_at < (?::date + 1)::timestamp AT TIME ZONE 'UTC'` : 'occurred_at <= ?::timestamptz', f.to);
  if (f.actor) add('actor_id = ?', f.actor);
  if (f.q) add(`to_tsvector('simple', coalesce(reason, '')) @@ plainto_tsquery('simple', ?)`, f.q);
  if (f.fromSeq) add('seq >= ?::bigint', f.fromSeq);
  if (f.toSeq) add('seq <= ?::bigint', f.toSeq);
  const { rows } = await c.query<{ seq: string }>(`SELECT seq::text FROM audit_events WHERE ${where.join(' AND ')} ORDER BY audit_events.seq DESC`, values);
  return rows.map((r) => r.seq);
}

async function exported(db: TTestDatabase, chainId: string, filter: TAuditFilter): Promise<string[]> {
  const c = await db.app();
  const seqs: string[] = [];
  for await (const rows of exportRows(c, { chainId, filter, columns: ['seq'] })) seqs.push(...rows.map((r) => r.seq));
  await c.end();
  return seqs;
}

const us = (ms: number, micro = 0) => `${new Date(ms).toISOString().slice(0, 19)}.${String((ms % 1000) * 1000 + micro).padStart(6, '0')}Z`;
const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const WORDS = ['Calibration', 'deviation', 'sample', 'label', 'x2', 'CAPA-17', 'room', 'temperature', 'filter'];

/** ~300 events over ten days: several at one instant, some at midnight and just before it, a day without any. */
function tenDays(): TTrailEvent[] {
  const out: TTrailEvent[] = [];
  let k = 0;
  for (let day = 0; day < 10; day++) {
    if (day === 6) continue; // no events on 2026-03-07
    const start = T0 + day * DAY;
    out.push({ at: us(start), reason: 'midnight calibration', actor: 'EMP-0002' });
    for (let i = 0; i < 28; i++) {
      const ms = start + 3_600_000 + Math.floor((i * (DAY - 7_200_000)) / 28);
      const at = us(ms, (i * 37) % 1000);
      const reason = i % 3 === 0 ? null : `${WORDS[k % WORDS.length]} ${WORDS[(k * 7 + 3) % WORDS.length]} check ${k}`;
      out.push({ at, reason, actor: i % 4 === 0 ? 'EMP-0002' : 'EMP-0001' });
      if (i % 9 === 0) out.push({ at, reason: 'same instant calibration', actor: 'EMP-0003' });
      k += 1;
    }
    out.push({ at: us(start + DAY - 1, 700), reason: 'last microseconds of the day' });
  }
  return out;
}

describe('time order along a chain', () => {
  it('[11.10(e)] an event after one dated in the future takes that date; the database refuses an earlier one', async () => {
    const o = await t.owner();
    const future = us(Date.now() + 3_600_000, 250);
    await insertTrail(o, 'clock', [{ at: us(Date.now() - 60_000) }, { at: future, reason: 'stamped by a clock running an hour fast' }]);
    const appended = await t.db.$transaction((tx) =>
      appendAudit(tx, [{ actor: { type: 'system', id: 'system:test' }, action: 'test.after_clock_step', entityType: 'Test' }], { chainId: 'clock' }),
    );
    expect(appended[0].occurredAt).toBe(future);
    const app = await t.app();
    const v = await verifyChain(app, { chainId: 'clock' });
    expect(v).toMatchObject({ ok: true, count: 3 });

    // Written directly, bypassing appendAudit: an event dated before the one preceding it.
    let error: { code?: string; message: string } | null = null;
    try {
      await insertTrail(o, 'clock', [{ at: us(Date.now()) }]);
    } catch (e) {
      error = e as { code?: string; message: string };
    }
    expect(error?.code).toBe('23514'); // check_violation
    expect(error?.message).toContain('time never goes backwards');
    expect(error?.message).toContain('21 CFR 11.10(e)');
    expect((await o.query("SELECT count(*)::int AS n FROM audit_events WHERE chain_id = 'clock'")).rows[0].n).toBe(3);

    // Rows inserted out of seq order are compared with the event after them too.
    const raw = (seq: number, at: string) =>
      o.query(
        `INSERT INTO audit_events (chain_id, seq, occurred_at, actor_type, actor_id, action, entity_type, canonical, prev_hash, hash)
         VALUES ('gap', $1, $2, 'system', 'system:test', 'test.gap', 'Test', '{}', sha256(random()::text::bytea), sha256(random()::text::bytea))`,
        [seq, at],
      );
    await raw(1, '2026-03-01T10:00:00Z');
    await raw(5, '2026-03-01T12:00:00Z');
    await expect(raw(3, '2026-03-01T13:00:00Z')).rejects.toMatchObject({ code: '23514', message: expect.stringContaining('after the event following it') });
    await expect(raw(3, '2026-03-01T09:00:00Z')).rejects.toMatchObject({ code: '23514', message: expect.stringContaining('before the event preceding it') });
    await raw(3, '2026-03-01T11:00:00Z');
    expect((await o.query("SELECT count(*)::int AS n FROM audit_events WHERE chain_id = 'gap'")).rows[0].n).toBe(3);

    // The head row is a cache the application role may write: its updated_at does not date events.
    await app.query("UPDATE audit_chain_heads SET updated_at = now() + interval '10 years' WHERE chain_id = 'clock'");
    await app.query("INSERT INTO audit_chain_heads (chain_id, updated_at) VALUES ('clock2', now() + interval '10 years')");
    const [next] = await t.db.$transaction((tx) =>
      appendAudit(tx, [{ actor: { type: 'system', id: 'system:test' }, action: 'test.after_cache', entityType: 'Test' }], { chainId: 'clock2' }),
    );
    expect(Date.parse(next.occurredAt)).toBeLessThan(Date.now() + 60_000);
    await app.end();
    await o.end();
  });

  it('a date range returns exactly the events dated in it, page by page, in both directions, and exports the same', async () => {
    const o = await t.owner();
    await insertTrail(o, 'days', tenDays());
    const noon = (d: number) => us(T0 + d * DAY + DAY / 2).replace('.000000Z', 'Z');
    const filters: TAuditFilter[] = [
      { from: '2026-03-03', to: '2026-03-03' },
      { from: '2026-03-02', to: '2026-03-05' },
      { from: '2026-03-07', to: '2026-03-07' }, // a day without events
      { from: '2026-02-01', to: '2026-02-27' }, // before the first
      { from: '2026-03-11' }, // after the last
      { from: '2026-03-09' },
      { to: '2026-03-01' },
      { from: noon(2), to: noon(4) },
      { from: '2026-03-03T00:00:00Z', to: '2026-03-04T01:00:00.000Z' }, // both bounds on an event, inclusive
      { from: '2026-03-02', to: '2026-03-08', actor: 'EMP-0002' },
      { from: '2026-03-02', to: '2026-03-08', q: 'calibration' },
      { from: '2026-03-02', to: '2026-03-08', q: 'CAPA-17' },
      { from: '2026-03-01', to: '2026-03-10', fromSeq: '40', toSeq: '200' },
    ];
    for (const f of filters) {
      const want = await reference(o, 'days', f);
      expect(await viewer(t, 'days', f, 'desc'), JSON.stringify(f)).toEqual(want);
      expect(await viewer(t, 'days', f, 'asc'), JSON.stringify(f)).toEqual([...want].reverse());
      expect(await exported(t, 'days', f), JSON.stringify(f)).toEqual([...want].reverse());
    }
    // Not vacuous: the ranges above hold events, and none of the 13 matched everything.
    expect((await reference(o, 'days', filters[0])).length).toBeGreaterThan(25);
    expect((await reference(o, 'days', filters[8])).length).toBeGreaterThan(25);
    await o.end();
  });

  it('one word of the reason is read from audit_reason_words and finds what the full-text search finds', async () => {
    const o = await t.owner();
    await insertTrail(o, 'words', tenDays());
    // The trigger stored the words of every reason, exactly those of reason_tsv.
    const diff = await o.query(`
      (SELECT seq, w FROM audit_events, unnest(tsvector_to_array(reason_tsv)) w WHERE chain_id = 'words'
       EXCEPT SELECT seq, word FROM audit_reason_words WHERE chain_id = 'words')
      UNION ALL
      (SELECT seq, word FROM audit_reason_words WHERE chain_id = 'words'
       EXCEPT SELECT seq, w FROM audit_events, unnest(tsvector_to_array(reason_tsv)) w WHERE chain_id = 'words')`);
    expect(diff.rows).toEqual([]);
    expect((await o.query("SELECT count(*)::int AS n FROM audit_reason_words WHERE chain_id = 'words'")).rows[0].n).toBeGreaterThan(500);

    const oneWord = (q: string) => auditPageSeqs('words', { q }, { ascending: false, limit: 51 }).text.includes('audit_reason_words');
    expect(oneWord('calibration')).toBe(true);
    expect(oneWord('x2')).toBe(true);
    expect(oneWord('CAPA-17')).toBe(false); // 'capa' & '-17': the tsvector search
    expect(oneWord('sample label')).toBe(false);
    for (const q of ['calibration', 'CALIBRATION', 'x2', '17', 'capa', 'absent', 'CAPA-17', 'sample label', 'label sample check']) {
      const want = await reference(o, 'words', { q });
      expect(await viewer(t, 'words', { q }, 'desc'), q).toEqual(want);
      expect(await viewer(t, 'words', { q }, 'asc'), q).toEqual([...want].reverse());
    }
    expect((await reference(o, 'words', { q: 'calibration' })).length).toBeGreaterThan(40);
    await o.end();
  });

  it("an export's filter values reach its COPY as the same text, quotes and backslashes included", async () => {
    const o = await t.owner();
    const actors = ["O'Brien \\ x", "O'Brien \\\\ x", 'a%b_c', "\\'; SELECT 1; --", 'EMP-0001'];
    await insertTrail(
      o,
      'quotes',
      actors.flatMap((actor, i) => [0, 1].map((k) => ({ at: us(T0 + i * 1000 + k), actor, reason: `it's a \\ "test" ${actor}` }))),
    );
    for (const f of [...actors.map((actor) => ({ actor })), { q: "it's" }, { q: "O'Brien" }, { actor: actors[0], q: 'test' }] as TAuditFilter[]) {
      const want = await reference(o, 'quotes', f);
      expect(want.length, JSON.stringify(f)).toBeGreaterThan(0);
      expect(await exported(t, 'quotes', f), JSON.stringify(f)).toEqual([...want].reverse());
    }
    await o.end();
  });

  it('a chain whose times went backwards before the trigger existed is still searched by date correctly', async () => {
    // Migrate a fresh database up to the migration before this one, write a disordered trail
    // (as the bare clock could have), then apply the rest.
    const legacy = await createTestDatabase('time_legacy', { migrate: false });
    extra.push(legacy);
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-migrations-'));
    tempDirs.push(dir);
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    rmSync(path.join(dir, '20261122060000_audit_time_order'), { recursive: true });
    const o = await legacy.owner();
    await migrate(o, dir);
    const trail = tenDays();
    // The clock stepped back by two days once, on 2026-03-04, and was set right 20 events later:
    // the last step back is at seq step + 1, and every event before it is dated at or before
    // the one at seq step.
    const step = trail.findIndex((e) => e.at >= '2026-03-04T12');
    const disordered = trail.map((e, i) => (i >= step && i < step + 20 ? { ...e, at: us(Date.parse(e.at) - 2 * DAY) } : e));
    await insertTrail(o, 'legacy', disordered);
    await insertTrail(o, 'ordered', trail);
    await migrate(o);
    const recorded = await o.query<{ chain_id: string; ordered_from_seq: string; at: string }>(
      `SELECT chain_id, ordered_from_seq::text, to_char(earlier_max_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at FROM audit_chain_time_order`,
    );
    expect(recorded.rows).toEqual([{ chain_id: 'legacy', ordered_from_seq: String(step + 1), at: trail[step - 1].at }]);
    for (const f of [{ from: '2026-03-02', to: '2026-03-03' }, { from: '2026-03-04', to: '2026-03-05' }, { from: '2026-03-06' }, { to: '2026-03-04' }] as TAuditFilter[]) {
      const want = await reference(o, 'legacy', f);
      expect(await viewer(legacy, 'legacy', f, 'desc'), JSON.stringify(f)).toEqual(want);
      expect(await exported(legacy, 'legacy', f), JSON.stringify(f)).toEqual([...want].reverse());
    }
    // The backwards step put later events inside the range of 2026-03-02 to 03: a seq range would miss them.
    const early = await reference(o, 'legacy', { from: '2026-03-02', to: '2026-03-03' });
    expect(early.some((s) => Number(s) >= step + 1)).toBe(true);
    // New events on it are in order again.
    await legacy.db.$transaction((tx) => appendAudit(tx, [{ actor: { type: 'system', id: 'system:test' }, action: 'test.after', entityType: 'Test' }], { chainId: 'legacy' }));
    await o.end();
  });
});
