import { appendFileSync, readFileSync } from 'node:fs';
import mqtt from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { verifyChain } from '@/lib/audit/verify-chain';
import { BrokerLogSink } from '@/lib/broker/broker-log-sink';
import { subscribeBrokerLog, tailBrokerLogFile } from '@/lib/broker/broker-log-sources';
import { startDynsecMosquitto } from '@/tests/helpers/mosquitto';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

let t: TTestDatabase;
let broker: Awaited<ReturnType<typeof startDynsecMosquitto>>;
let pool: pg.Pool;

beforeAll(async () => {
  [t, broker] = await Promise.all([createTestDatabase('broker_log'), startDynsecMosquitto({ logFile: true })]);
  pool = new pg.Pool({ connectionString: t.appUrl, max: 4 });
}, 30_000);
afterAll(async () => {
  await pool?.end();
  await Promise.all([t?.drop(), broker?.stop()]);
});

async function sql(q: string, params: unknown[] = []) {
  const c = await t.owner();
  try {
    return (await c.query(q, params)).rows;
  } finally {
    await c.end();
  }
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function verify(chainId: string) {
  const c = await t.owner();
  try {
    return await verifyChain(c, { chainId, trustedPublicKeyPem: loadOrCreateServerKey(t.keyFile).key.publicKeyPem });
  } finally {
    await c.end();
  }
}

const connect = (username: string, password: string) =>
  mqtt.connectAsync(broker.url, { username, password, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, clientId: `probe-${Math.random().toString(36).slice(2, 8)}` });

describe("the broker's own audit trail", () => {
  it("[URS 4.2 audit logging][11.10(e)] connection and authentication-failure log lines land in the broker chain, apart from the main chain, and verify", async () => {
    const sink = new BrokerLogSink(pool, { chainId: 'broker', flushMs: 100 });
    const sub = await subscribeBrokerLog({ url: broker.url, username: broker.admin.username, password: broker.admin.password }, sink);
    try {
      await expect(connect('nobody', 'wrong')).rejects.toThrow();
      const ok = await connect(broker.admin.username, broker.admin.password);
      await ok.subscribeAsync('pharma/#');
      await ok.endAsync();
      const rows = await until('the refused connection in the broker chain', async () => {
        const r = await sql(`SELECT seq, action, entity_id, reason, new_value FROM audit_events WHERE chain_id = 'broker' ORDER BY seq`);
        return r.some((x) => x.action === 'broker.auth_refused') && r.some((x) => x.action === 'broker.disconnect' && x.entity_id?.startsWith('probe-')) ? r : null;
      });
      const refused = rows.find((x) => x.action === 'broker.auth_refused');
      expect(refused.reason).toBe('not authorised');
      expect(refused.new_value).toMatchObject({ level: 'notice', line: expect.stringMatching(/Client <unknown> disconnected, not authori[sz]ed\.$/), brokerTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
      const connected = rows.find((x) => x.action === 'broker.connect' && x.entity_id?.startsWith('probe-'));
      expect(connected.new_value).toMatchObject({ username: broker.admin.username, address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
      expect(rows.some((x) => x.action === 'broker.subscribe' && x.new_value.topic === 'pharma/#')).toBe(true);
      expect(rows.some((x) => x.action === 'broker.connection_attempt')).toBe(true);
      // Its own chain: the main chain has none of these, and each chain verifies with its checkpoint.
      const [main] = await sql(`SELECT count(*)::int AS n FROM audit_events WHERE chain_id <> 'broker' AND action LIKE 'broker.%'`);
      expect(main.n).toBe(0);
      await sink.flush();
      await createCheckpoint(t.db, { chainId: 'broker', key: loadOrCreateServerKey(t.keyFile).key });
      const v = await verify('broker');
      expect(v).toMatchObject({ ok: true, broken: null });
      expect(v.checkpoint?.status).toBe('ok');
    } finally {
      await sub.close();
      await sink.close();
    }
  });

  it('[URS 4.2 audit logging] a tampered broker event breaks the broker chain', async () => {
    const [{ seq }] = await sql(`SELECT min(seq) AS seq FROM audit_events WHERE chain_id = 'broker' AND action = 'broker.auth_refused'`);
    const c = await t.owner();
    try {
      await c.query('BEGIN');
      await c.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
      await c.query(`UPDATE audit_events SET canonical = replace(canonical, 'not authorised', 'connected ok') WHERE chain_id = 'broker' AND seq = $1`, [seq]);
      const v = await verifyChain(c, { chainId: 'broker' });
      expect(v.ok).toBe(false);
      expect(v.broken).toMatchObject({ seq: String(seq), reason: 'hash_mismatch' });
    } finally {
      await c.query('ROLLBACK');
      await c.end();
    }
  });

  it('[URS 4.2 audit logging] a log file is tailed into the chain in batches, each line once, across a restart', async () => {
    const file = broker.logFile!;
    const sink = new BrokerLogSink(pool, { chainId: 'broker-file', flushMs: 50, maxBatch: 200 });
    let tail = await tailBrokerLogFile(t.db, file, sink, { pollMs: 50 });
    // A burst: 1,000 lines arrive at once; they commit in a handful of transactions.
    const burst = Array.from({ length: 1000 }, (_, i) => `2026-12-03T10:00:00: Client burst-${i} disconnected.`).join('\n') + '\n';
    appendFileSync(file, burst);
    await tail.poll();
    await sink.flush();
    await until('the burst', async () => (await sql(`SELECT count(*)::int AS n FROM audit_events WHERE chain_id = 'broker-file' AND entity_id LIKE 'burst-%'`))[0].n === 1000);
    expect(sink.stats.batches).toBeLessThanOrEqual(Math.ceil(countLines(file) / 200) + 2);
    await tail.close();

    // Restart: nothing read twice, the new lines read once.
    appendFileSync(file, '2026-12-03T10:00:01: New connection from 10.0.0.9:50000 on port 1883.\n');
    tail = await tailBrokerLogFile(t.db, file, sink, { pollMs: 50 });
    await tail.poll();
    await sink.flush();
    await tail.close();
    await sink.close();
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM audit_events WHERE chain_id = 'broker-file'`);
    expect(n).toBe(countLines(file));
    const [{ dup }] = await sql(`SELECT count(*)::int AS dup FROM (SELECT new_value->>'line' FROM audit_events WHERE chain_id = 'broker-file' AND entity_id LIKE 'burst-%' GROUP BY 1 HAVING count(*) > 1) d`);
    expect(dup).toBe(0);
    const [offset] = await sql(`SELECT "offset"::bigint AS o FROM broker_log_offsets WHERE source = $1`, [`file:${file}`]);
    expect(Number(offset.o)).toBe(Buffer.byteLength(readFileSync(file)));
    expect((await verify('broker-file')).ok).toBe(true);
  });
});

function countLines(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).length;
}
