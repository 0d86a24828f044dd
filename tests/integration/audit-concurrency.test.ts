import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '@/lib/audit/append-audit';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { verifyChain } from '@/lib/audit/verify-chain';
import { createDb } from '@/lib/db/client';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// Many web copies and workers append to one chain at once (ARCHITECTURE: the chain is the one
// serialization point). Each writer here is its own Prisma client with its own connection, as
// separate processes would be.

const WRITERS = 8;
const APPENDS_PER_WRITER = 2_000;
const CHAIN = 'concurrency';

let t: TTestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('concurrency');
});
afterAll(async () => {
  await t?.drop();
});

/**
 * The app role's URL with synchronous_commit off on these connections only. The head lock is
 * held until COMMIT has flushed the WAL, and with other test files committing at the same time
 * that flush was about a third of every append here. What this test proves — serialization
 * under the lock — does not depend on durability, which is PostgreSQL's own job.
 */
function writerUrl(): string {
  const u = new URL(t.appUrl);
  u.searchParams.set('options', '-c synchronous_commit=off');
  return u.toString();
}

async function runWriter(w: number): Promise<bigint[]> {
  const db = createDb(writerUrl());
  const seqs: bigint[] = [];
  try {
    for (let i = 0; i < APPENDS_PER_WRITER; i++) {
      // 21 CFR 11.10(e): one event per transaction, as a service recording one change does.
      const [appended] = await db.$transaction(
        (tx) =>
          appendAudit(
            tx,
            [
              {
                actor: SYSTEM_CLI,
                action: 'test.concurrent_append',
                entityType: 'Writer',
                entityId: `${w}:${i}`,
                newValue: { writer: w, i },
              },
            ],
            { chainId: CHAIN },
          ),
        // The head lock is held only for a few statements, but on 2 cores under a parallel test
        // run a transaction may wait behind the other seven writers for a while.
        { maxWait: 30_000, timeout: 30_000 },
      );
      seqs.push(appended.seq);
    }
    return seqs;
  } finally {
    await db.$disconnect();
  }
}

describe('audit chain under concurrent writers', () => {
  // About 40 s on an idle 2-core machine (16,000 serialized transactions of five round trips
  // each); several times that when the machine is shared, hence a timeout of its own.
  it('[11.10(e)] 8 concurrent writers × 2,000 appends form one linear chain', { timeout: 600_000 }, async () => {
    const total = WRITERS * APPENDS_PER_WRITER;
    const started = performance.now();
    const perWriter = await Promise.all(Array.from({ length: WRITERS }, (_, w) => runWriter(w)));
    const seconds = (performance.now() - started) / 1000;
    console.info(`${total} single-event appends by ${WRITERS} writers: ${seconds.toFixed(1)} s, ${Math.round(total / seconds)} tx/s`);

    // What the writers were told: every seq handed out exactly once, 1..16000.
    const handedOut = perWriter.flat().sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(handedOut.length).toBe(total);
    expect(handedOut[0]).toBe(1n);
    expect(handedOut[total - 1]).toBe(BigInt(total));
    expect(new Set(handedOut.map(String)).size).toBe(total);
    // Each writer's own events appear in the order it committed them.
    for (const seqs of perWriter) {
      for (let i = 1; i < seqs.length; i++) expect(seqs[i] > seqs[i - 1]).toBe(true);
    }

    const c = await t.app();
    const stats = await c.query<{ n: string; min: string; max: string; distinct: string }>(
      `SELECT count(*)::text AS n, min(seq)::text AS min, max(seq)::text AS max, count(DISTINCT seq)::text AS distinct
       FROM audit_events WHERE chain_id = $1`,
      [CHAIN],
    );
    expect(stats.rows[0]).toEqual({ n: String(total), min: '1', max: String(total), distinct: String(total) });

    // The writers really interleaved: run one after another they would switch only 7 times.
    const order = await c.query<{ entity_id: string }>(
      'SELECT entity_id FROM audit_events WHERE chain_id = $1 ORDER BY seq',
      [CHAIN],
    );
    let switches = 0;
    for (let i = 1; i < order.rows.length; i++) {
      if (order.rows[i].entity_id.split(':')[0] !== order.rows[i - 1].entity_id.split(':')[0]) switches += 1;
    }
    expect(switches).toBeGreaterThan(WRITERS * 10);

    const r = await verifyChain(c, { chainId: CHAIN });
    expect(r).toMatchObject({ ok: true, count: total, headSeq: String(total), broken: null });

    // The head row (a cache, never trusted by verification) agrees with the last event.
    const head = await c.query<{ seq: string; hash: Buffer }>(
      'SELECT seq::text, hash FROM audit_chain_heads WHERE chain_id = $1',
      [CHAIN],
    );
    expect(head.rows[0].seq).toBe(String(total));
    expect(head.rows[0].hash.toString('hex')).toBe(r.headHash);
    await c.end();
  });
});
