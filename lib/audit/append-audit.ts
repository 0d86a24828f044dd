import { canonicalize } from '@/lib/audit/canonical';
import { chainHash } from '@/lib/audit/chain';
import { ZAuditEventInput, toCanonicalObject, type TAuditEventInput } from '@/lib/audit/events';
import { defaultChainId } from '@/lib/audit/chain-id';
import type { TTx } from '@/lib/db/client';

export interface TAppendedEvent {
  chainId: string;
  seq: bigint;
  hash: Buffer;
  occurredAt: string;
}

interface THeadRow {
  seq: bigint;
  hash: Uint8Array;
  now: string;
}

/**
 * Appends events to the audit chain inside the caller's transaction.
 * 21 CFR 11.10(e): the audit event commits with the change it records, or neither does.
 * The chain head row is locked FOR UPDATE, so concurrent writers to one chain append one after
 * another; UNIQUE(chain_id, prev_hash) would refuse a fork even if that lock were bypassed.
 */
export async function appendAudit(
  tx: TTx,
  events: TAuditEventInput[],
  opts: { chainId?: string } = {},
): Promise<TAppendedEvent[]> {
  if (events.length === 0) return [];
  const parsed = events.map((e) => ZAuditEventInput.parse(e));
  const chainId = opts.chainId ?? defaultChainId();

  let head = await lockHead(tx, chainId);
  if (!head) {
    await tx.$executeRaw`INSERT INTO audit_chain_heads (chain_id) VALUES (${chainId}) ON CONFLICT DO NOTHING`;
    head = await lockHead(tx, chainId);
    if (!head) throw new Error(`audit chain head ${chainId} could not be created`);
  }

  // The server's clock, read under the head lock: timestamps never go backwards along a chain
  // unless the clock itself does. Fixed microsecond precision, UTC, inside the hashed text.
  const occurredAt = head.now;
  let prev: Buffer = Buffer.from(head.hash);
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
  await tx.$executeRaw`
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

  await tx.$executeRaw`
    UPDATE audit_chain_heads SET seq = ${seq.toString()}::bigint, hash = ${prev}, updated_at = ${occurredAt}::timestamptz
    WHERE chain_id = ${chainId}`;

  return rows.map((r) => ({ chainId, seq: r.seq, hash: r.hash, occurredAt }));
}

async function lockHead(tx: TTx, chainId: string): Promise<THeadRow | null> {
  const rows = await tx.$queryRaw<THeadRow[]>`
    SELECT seq, hash,
      to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now
    FROM audit_chain_heads WHERE chain_id = ${chainId} FOR UPDATE`;
  return rows[0] ?? null;
}
