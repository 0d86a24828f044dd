import type pg from 'pg';
import { appendAuditPg } from '@/lib/audit/append-audit';
import type { TAuditEventInput } from '@/lib/audit/events';
import { inPooledTransaction } from '@/lib/db/pg-pool';
import { leafHash, merkleRoot } from '@/lib/ingest/merkle';
import { INGEST_ACTOR } from '@/lib/ingest/store-batch';

// Unauthenticated junk posted to the HTTP gateway endpoint (a body that is not a validly signed
// reading of a registered gateway, or refused before it could be read) is sealed in quarantine
// at once, each row with its client address and minute (junk_window), but audited together:
// ONE `telemetry.quarantine_junk` event per address and minute names the rows by count, first
// and last id, every (id, SHA-256) up to ENTRIES_LISTED (with the whole body's length and
// SHA-256 for a body over the size limit, kept as its prefix) and the Merkle root over all of them
// (leaf = lib/ingest/merkle.ts leafHash(id, raw_sha256), in id order), and each row points at
// it (junk_audit_id). An anonymous flood therefore adds at most one audit event per address and
// minute — and the per-address limits (lib/ingest/gateway-quota.ts) bound the rows themselves.
// A minute is closed GRACE_S after it ended; rows of a minute already closed (a post that took
// longer) are audited in another event for the same minute. Verification (verifyJunkAudits)
// reports any row of a minute closed more than VERIFY_AFTER_S ago that no event names.

export const JUNK_ACTION = 'telemetry.quarantine_junk';
export const ENTRIES_LISTED = 1000;
const GRACE_S = 10;
const VERIFY_AFTER_S = 600;
const MAX_ROWS = 20_000;

interface TPending {
  id: string;
  source_address: string | null;
  junk_window: Date;
  raw_sha256: Buffer;
  bytes: number;
  reason: string;
  received_bytes: string | null;
  received_sha256: Buffer | null;
}

/**
 * Audits every closed minute of junk not audited yet, in one transaction (one event per address
 * and minute). `closeOpenMinutes` also closes the current minute (tests, shutdown).
 */
export async function flushJunkAudits(pool: pg.Pool, opts: { closeOpenMinutes?: boolean } = {}): Promise<{ events: number; rows: number }> {
  return inPooledTransaction(pool, async (client) => {
    // One flusher at a time (the web servers and the worker all run one).
    const { rows: lock } = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_xact_lock(hashtext('custos.junk_audit')) AS ok");
    if (!lock[0].ok) return { events: 0, rows: 0 };
    const { rows } = await client.query<TPending>(
      `SELECT id::text, source_address, junk_window, raw_sha256, length(raw)::int AS bytes, reason, received_bytes::text, received_sha256 FROM quarantine
       WHERE junk_window IS NOT NULL AND junk_audit_id IS NULL AND ($1::bool OR junk_window <= clock_timestamp() - make_interval(secs => $2))
       ORDER BY junk_window, source_address, id LIMIT ${MAX_ROWS}`,
      [opts.closeOpenMinutes === true, 60 + GRACE_S],
    );
    if (rows.length === 0) return { events: 0, rows: 0 };
    const groups = new Map<string, TPending[]>();
    for (const r of rows) {
      const k = `${r.source_address ?? ''}\u0000${r.junk_window.toISOString()}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = []));
      g.push(r);
    }
    const list = [...groups.values()];
    const { rows: ids } = await client.query<{ id: string }>("SELECT nextval('quarantine_junk_audits_id_seq')::text AS id FROM generate_series(1, $1::int)", [list.length]);
    const events: TAuditEventInput[] = list.map((g, i) => {
      const root = merkleRoot(g.map((r) => leafHash(BigInt(r.id), r.raw_sha256)));
      const reasons: Record<string, number> = {};
      for (const r of g) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
      const address = g[0].source_address ?? 'unknown';
      return {
        actor: INGEST_ACTOR,
        action: JUNK_ACTION,
        entityType: 'QuarantineJunkAudit',
        entityId: ids[i].id,
        newValue: {
          address,
          windowStart: g[0].junk_window.toISOString(),
          count: g.length,
          bytes: g.reduce((n, r) => n + r.bytes, 0),
          firstId: g[0].id,
          lastId: g[g.length - 1].id,
          merkleRoot: root.toString('hex'),
          reasons,
          // [id, SHA-256 of the sealed bytes] — and for a body kept as its prefix, the whole body's length and SHA-256.
          entries: g.slice(0, ENTRIES_LISTED).map((r) => (r.received_sha256 ? [r.id, r.raw_sha256.toString('hex'), Number(r.received_bytes), r.received_sha256.toString('hex')] : [r.id, r.raw_sha256.toString('hex')])),
          ...(g.length > ENTRIES_LISTED ? { entriesOmitted: g.length - ENTRIES_LISTED } : {}),
        },
        reason: `${g.length} unauthenticated gateway post${g.length === 1 ? '' : 's'} from ${address} in the minute from ${g[0].junk_window.toISOString()} sealed in quarantine`,
      };
    });
    const appended = await appendAuditPg(client, events);
    for (let i = 0; i < list.length; i++) {
      const g = list[i];
      const nv = events[i].newValue as { bytes: number; merkleRoot: string };
      await client.query(
        `INSERT INTO quarantine_junk_audits (id, source_address, window_start, count, bytes, first_id, last_id, merkle_root, audit_chain_id, audit_seq)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [ids[i].id, g[0].source_address ?? 'unknown', g[0].junk_window, g.length, nv.bytes, g[0].id, g[g.length - 1].id, Buffer.from(nv.merkleRoot, 'hex'), appended[i].chainId, appended[i].seq.toString()],
      );
      await client.query('UPDATE quarantine SET junk_audit_id = $1 WHERE id = ANY($2::bigint[])', [ids[i].id, g.map((r) => r.id)]);
    }
    return { events: list.length, rows: rows.length };
  });
}

export interface TJunkAuditCheck {
  ok: boolean;
  audits: number;
  rows: number;
  problems: string[];
}

/**
 * Every junk audit's rows give its count and Merkle root, and its event says the same; no row of
 * a minute closed long ago is left without one.
 */
export async function verifyJunkAudits(client: pg.ClientBase, opts: { limit?: number } = {}): Promise<TJunkAuditCheck> {
  const limit = opts.limit ?? 100;
  const problems: string[] = [];
  const add = (p: string) => void (problems.length < limit && problems.push(p));
  const { rows: audits } = await client.query<{ id: string; count: number; merkle_root: Buffer; audit_chain_id: string; audit_seq: string; event_root: string | null; event_count: string | null; event_action: string | null }>(
    `SELECT a.id::text, a.count, a.merkle_root, a.audit_chain_id, a.audit_seq::text,
            e.canonical::jsonb -> 'new_value' ->> 'merkleRoot' AS event_root, e.canonical::jsonb -> 'new_value' ->> 'count' AS event_count, e.action AS event_action
     FROM quarantine_junk_audits a LEFT JOIN audit_events e ON e.chain_id = a.audit_chain_id AND e.seq = a.audit_seq ORDER BY a.id`,
  );
  let rowsChecked = 0;
  for (const a of audits) {
    const { rows } = await client.query<{ id: string; raw_sha256: Buffer }>('SELECT id::text, raw_sha256 FROM quarantine WHERE junk_audit_id = $1 ORDER BY id', [a.id]);
    rowsChecked += rows.length;
    if (a.event_action !== JUNK_ACTION) {
      add(`junk audit ${a.id}: no ${JUNK_ACTION} event at ${a.audit_chain_id}#${a.audit_seq}`);
      continue;
    }
    const root = rows.length ? merkleRoot(rows.map((r) => leafHash(BigInt(r.id), r.raw_sha256))).toString('hex') : null;
    if (rows.length !== a.count || String(a.count) !== a.event_count) add(`junk audit ${a.id}: ${rows.length} rows name it; the table says ${a.count}, its event ${a.event_count}`);
    if (root !== a.merkle_root.toString('hex') || root !== a.event_root) add(`junk audit ${a.id}: the Merkle root of its rows differs from the one audited at #${a.audit_seq}`);
  }
  const { rows: orphans } = await client.query<{ n: number; first: string | null }>(
    `SELECT count(*)::int AS n, min(id)::text AS first FROM quarantine
     WHERE junk_window IS NOT NULL AND junk_audit_id IS NULL AND junk_window <= clock_timestamp() - make_interval(secs => $1)`,
    [VERIFY_AFTER_S],
  );
  if (orphans[0].n > 0) add(`${orphans[0].n} junk quarantine rows (first #${orphans[0].first}) of minutes closed over ${VERIFY_AFTER_S / 60} minutes ago are named by no audit event`);
  return { ok: problems.length === 0, audits: audits.length, rows: rowsChecked, problems };
}

const g = globalThis as unknown as { custosJunkFlusher?: NodeJS.Timeout };

/**
 * Flushes closed minutes every `everyS` seconds in this process (never keeps it alive): the web
 * server (from its start, instrumentation.ts) and the ingest worker both run one, so a
 * minute left open by a server that stopped is audited by whichever runs next.
 */
export function startJunkAuditFlusher(pool: pg.Pool | (() => pg.Pool), everyS = 15, log: (s: string) => void = (s) => console.error(s)): void {
  if (g.custosJunkFlusher) return;
  g.custosJunkFlusher = setInterval(() => {
    Promise.resolve()
      .then(() => flushJunkAudits(typeof pool === 'function' ? pool() : pool))
      .catch((e) => log(`junk audit flush failed: ${(e as Error).message}`));
  }, everyS * 1000);
  g.custosJunkFlusher.unref();
}
