import type pg from 'pg';
import { canonicalize } from '@/lib/audit/canonical';
import { chainHash } from '@/lib/audit/chain';
import { ZAuditEventInput, toCanonicalObject, type TAuditEventInput } from '@/lib/audit/events';
import { defaultChainId } from '@/lib/audit/chain-id';
import type { TTx } from '@/lib/db/client';
import type { Pipeline } from '@/lib/db/pg-pipeline';
import { Prisma } from '@/lib/generated/prisma/client';

export interface TAppendedEvent {
  chainId: string;
  seq: bigint;
  hash: Buffer;
  occurredAt: string;
}

/**
 * Where the append's statements run: the caller's transaction, either a Prisma interactive
 * transaction or a node-postgres client inside BEGIN … COMMIT. The SQL is built once (below)
 * as Prisma.sql templates; an executor only sends it.
 */
interface TAuditSql {
  query(q: Prisma.Sql): Promise<Array<Record<string, unknown>>>;
  execute(q: Prisma.Sql): Promise<void>;
}

const onPrisma = (tx: TTx): TAuditSql => ({
  query: (q) => tx.$queryRaw<Array<Record<string, unknown>>>(q),
  execute: async (q) => void (await tx.$executeRaw(q)),
});

// node-postgres takes the same $1…$n text; bigints go as their decimal text.
const pgValues = (values: readonly unknown[]) => values.map((v) => (typeof v === 'bigint' ? v.toString() : v));
const onPg = (client: pg.ClientBase): TAuditSql => ({
  query: async (q) => (await client.query<Record<string, unknown>>({ text: q.text, values: pgValues(q.values) })).rows,
  execute: async (q) => void (await client.query({ text: q.text, values: pgValues(q.values) })),
});

/**
 * Appends events to the audit chain inside the caller's transaction.
 * 21 CFR 11.10(e): the audit event commits with the change it records, or neither does.
 * The chain head row is locked FOR UPDATE, so concurrent writers to one chain append one after
 * another; UNIQUE(chain_id, prev_hash) would refuse a fork even if that lock were bypassed.
 */
export async function appendAudit(tx: TTx, events: TAuditEventInput[], opts: { chainId?: string } = {}): Promise<TAppendedEvent[]> {
  return appendWith(onPrisma(tx), events, opts);
}

/**
 * The same append on a node-postgres client that is inside a transaction (BEGIN … COMMIT is the
 * caller's): telemetry ingestion, whose batches commit through pg directly.
 */
export async function appendAuditPg(client: pg.ClientBase, events: TAuditEventInput[], opts: { chainId?: string } = {}): Promise<TAppendedEvent[]> {
  return appendWith(onPg(client), events, opts);
}

async function appendWith(db: TAuditSql, events: TAuditEventInput[], opts: { chainId?: string }): Promise<TAppendedEvent[]> {
  if (events.length === 0) return [];
  const parsed = events.map((e) => ZAuditEventInput.parse(e));
  const chainId = opts.chainId ?? defaultChainId();

  let head = await lockHead(db, chainId);
  if (!head) {
    await db.execute(createHeadSql(chainId));
    head = await lockHead(db, chainId);
    if (!head) throw new Error(`audit chain head ${chainId} could not be created`);
  }
  const { appended, insert, update } = onHead(parsed, chainId, head);
  await db.execute(insert);
  await db.execute(update);
  return appended;
}

/** The chain head, locked: the last event's seq and hash, and the time the next events take. */
export interface TLockedHead {
  seq: bigint;
  hash: Buffer;
  now: string;
}

/**
 * The events' rows on a locked head: seq, canonical text and hash each, chained from the head,
 * and the two statements that write them (the events, then the head moved onto the last one).
 */
function onHead(parsed: TAuditEventInput[], chainId: string, head: TLockedHead): { appended: TAppendedEvent[]; insert: Prisma.Sql; update: Prisma.Sql } {
  // The server's clock, read under the head lock, and never earlier than the event before:
  // time does not go backwards along a chain even when the clock does (a trigger refuses it,
  // migration 20261122060000_audit_time_order). Fixed microsecond precision, UTC, inside the
  // hashed text.
  const occurredAt = head.now;
  let prev: Buffer = head.hash;
  let seq = head.seq;
  const rows = parsed.map((e) => {
    seq += 1n;
    const canonical = canonicalize(toCanonicalObject(e, chainId, seq, occurredAt));
    const hash = chainHash(prev, canonical);
    const row = { e, seq, canonical, prevHash: prev, hash };
    prev = hash;
    return row;
  });

  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  const insert = Prisma.sql`
    INSERT INTO audit_events (chain_id, seq, occurred_at, actor_type, actor_id, actor_name, actor_role,
      session_id, action, entity_type, entity_id, old_value, new_value, reason, context_ref,
      canonical, prev_hash, hash)
    SELECT ${chainId}, u.seq, ${occurredAt}::timestamptz, u.actor_type, u.actor_id, u.actor_name, u.actor_role,
      u.session_id, u.action, u.entity_type, u.entity_id, u.old_value::jsonb, u.new_value::jsonb, u.reason,
      u.context_ref, u.canonical, decode(u.prev_hash, 'hex'), decode(u.hash, 'hex')
    FROM unnest(
      ${rows.map((r) => r.seq.toString())}::bigint[],
      ${rows.map((r) => r.e.actor.type)}::text[],
      ${rows.map((r) => r.e.actor.id)}::text[],
      ${rows.map((r) => r.e.actor.name ?? null)}::text[],
      ${rows.map((r) => r.e.actor.role ?? null)}::text[],
      ${rows.map((r) => r.e.actor.sessionId ?? null)}::text[],
      ${rows.map((r) => r.e.action)}::text[],
      ${rows.map((r) => r.e.entityType)}::text[],
      ${rows.map((r) => r.e.entityId ?? null)}::text[],
      ${rows.map((r) => json(r.e.oldValue))}::text[],
      ${rows.map((r) => json(r.e.newValue))}::text[],
      ${rows.map((r) => r.e.reason ?? null)}::text[],
      ${rows.map((r) => r.e.contextRef ?? null)}::text[],
      ${rows.map((r) => r.canonical)}::text[],
      ${rows.map((r) => r.prevHash.toString('hex'))}::text[],
      ${rows.map((r) => r.hash.toString('hex'))}::text[]
    ) AS u(seq, actor_type, actor_id, actor_name, actor_role, session_id, action, entity_type, entity_id,
           old_value, new_value, reason, context_ref, canonical, prev_hash, hash)`;
  const update = Prisma.sql`
    UPDATE audit_chain_heads SET seq = ${seq.toString()}::bigint, hash = ${prev}, updated_at = ${occurredAt}::timestamptz
    WHERE chain_id = ${chainId}`;
  return { appended: rows.map((r) => ({ chainId, seq: r.seq, hash: r.hash, occurredAt })), insert, update };
}

const createHeadSql = (chainId: string) => Prisma.sql`INSERT INTO audit_chain_heads (chain_id) VALUES (${chainId}) ON CONFLICT DO NOTHING`;
const headLockSql = (chainId: string) => Prisma.sql`SELECT h.chain_id FROM audit_chain_heads h WHERE h.chain_id = ${chainId} FOR UPDATE`;
// The head row is the lock and a cache; the chain's last event is the truth. Read in a
// statement of its own, after the lock is held (READ COMMITTED: a fresh snapshot that sees the
// previous holder's events). A head moved by anyone but an append (the application role may
// UPDATE the row) therefore neither forks the chain nor breaks the next append with gap_in_seq;
// the append's UPDATE puts the head back on the last event.
const lastEventSql = (chainId: string) => Prisma.sql`
    SELECT coalesce(e.seq, 0) AS seq, coalesce(e.hash, decode(repeat('00', 32), 'hex')) AS hash,
      to_char(greatest(clock_timestamp(), e.occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now
    FROM (SELECT 1) one LEFT JOIN LATERAL (
      SELECT seq, hash, occurred_at FROM audit_events WHERE chain_id = ${chainId} ORDER BY seq DESC LIMIT 1) e ON true`;

function headOf(rows: Array<Record<string, unknown>>): TLockedHead {
  const r = rows[0] as { seq: bigint | string; hash: Uint8Array; now: string };
  return { seq: BigInt(r.seq), hash: Buffer.from(r.hash), now: r.now };
}

/**
 * The head row locked, and the chain's last event (seq, hash); normalized (Prisma returns bigint / Uint8Array, pg text /
 * Buffer). `now` is the clock, or the time of the head's event if that is later: the event the
 * trigger compares with, not the head row's updated_at (a cache the application role may write).
 */
async function lockHead(db: TAuditSql, chainId: string): Promise<TLockedHead | null> {
  const locked = await db.query(headLockSql(chainId));
  if (locked.length === 0) return null;
  return headOf(await db.query(lastEventSql(chainId)));
}

/**
 * The same append in two steps for a transaction whose statements are pipelined
 * (lib/db/pg-pipeline.ts; telemetry batches): `lockAuditHeadPipelined` sends the head's lock
 * and the read of the last event back to back — the read still runs after the lock is held, in
 * a snapshot of its own — and `appendOnHeadPipelined` sends the events and the head's update
 * without waiting; the caller's next barrier (its COMMIT) reports whether they were written.
 */
export async function lockAuditHeadPipelined(pl: Pipeline, chainId: string = defaultChainId()): Promise<TLockedHead> {
  const send = (q: Prisma.Sql) => pl.send<Record<string, unknown>>(q.text, pgValues(q.values));
  const locked = send(headLockSql(chainId));
  const last = send(lastEventSql(chainId));
  await pl.barrier();
  if ((await locked).rows.length > 0) return headOf((await last).rows);
  // A chain's first append: create its head, then lock it as above.
  send(createHeadSql(chainId));
  const again = send(headLockSql(chainId));
  const last2 = send(lastEventSql(chainId));
  await pl.barrier();
  if ((await again).rows.length === 0) throw new Error(`audit chain head ${chainId} could not be created`);
  return headOf((await last2).rows);
}

export function appendOnHeadPipelined(pl: Pipeline, head: TLockedHead, events: TAuditEventInput[], chainId: string = defaultChainId()): TAppendedEvent[] {
  if (events.length === 0) return [];
  const { appended, insert, update } = onHead(
    events.map((e) => ZAuditEventInput.parse(e)),
    chainId,
    head,
  );
  pl.send(insert.text, pgValues(insert.values));
  pl.send(update.text, pgValues(update.values));
  return appended;
}
