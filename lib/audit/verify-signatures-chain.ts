import type pg from 'pg';
import { Prisma } from '@/lib/generated/prisma/client';
import { contentHashOf } from '@/lib/records/content-hash';

// 21 CFR 11.50, 11.70: a signature row and a version row are tables the database's owner can
// rewrite together with every hash they hold; the audit chain is what cannot be rewritten
// unnoticed. A signature is valid only if its row equals the record.sign event it names (signer,
// printed name, role, meaning, transition, version, time, context_ref, comment, content hash)
// and the signed version's content hashes to the value record.create / record.edit put in the
// chain for that version.

export interface TChainSignatureProblem {
  signatureId: string;
  recordId: string;
  recordNumber: string;
  version: number;
  /** What differs: a signature field, `event` (no such record.sign event), or `content`. */
  field: string;
  detail: string;
}

interface TRow {
  id: string;
  record_id: string;
  number: string;
  version: number;
  signer_employee_id: string;
  printed_name: string;
  signer_role: string;
  meaning: string;
  transition: string;
  comment: string | null;
  signed_at_ms: string;
  context_ref: string;
  sig_hash: Uint8Array;
  content_canonical: string;
  content_hash: Uint8Array;
  sign_event: string | null;
  version_event: string | null;
}

interface TCanonical {
  action: string;
  entity_type: string;
  entity_id: string | null;
  actor_id: string;
  occurred_at: string;
  context_ref: string | null;
  new_value: Record<string, unknown> | null;
}

const query = (after: string, recordId: string | null) => Prisma.sql`
  SELECT s.id::text, s.record_id::text, r.number, s.version, s.signer_employee_id, s.printed_name, s.signer_role, s.meaning, s.transition,
    s.comment, (extract(epoch FROM s.signed_at) * 1000)::bigint::text AS signed_at_ms, s.context_ref, s.content_hash AS sig_hash,
    v.content_canonical, v.content_hash,
    (SELECT e.canonical FROM audit_events e WHERE e.chain_id = s.audit_chain_id AND e.seq = s.audit_seq) AS sign_event,
    (SELECT e.canonical FROM audit_events e
      WHERE e.entity_type = 'Record' AND e.entity_id = s.record_id::text AND e.action IN ('record.create', 'record.edit')
        AND e.canonical::jsonb -> 'new_value' ->> 'version' = s.version::text
      ORDER BY e.seq LIMIT 1) AS version_event
  FROM signatures s JOIN record_versions v ON v.id = s.record_version_id JOIN records r ON r.id = s.record_id
  WHERE s.id > ${after}::uuid AND (${recordId}::uuid IS NULL OR s.record_id = ${recordId}::uuid)
  ORDER BY s.id LIMIT 2000`;

/** The first difference between a signature and the chain, or null when it agrees. */
function compare(r: TRow): Omit<TChainSignatureProblem, 'signatureId' | 'recordId' | 'recordNumber' | 'version'> | null {
  if (!r.sign_event) return { field: 'event', detail: 'the audit event the signature names does not exist' };
  const e = JSON.parse(r.sign_event) as TCanonical;
  const nv = e.new_value ?? {};
  if (e.action !== 'record.sign' || e.entity_type !== 'Record' || e.entity_id !== r.record_id || nv.signatureId !== r.id) {
    return { field: 'event', detail: `the audit event it names is not the record.sign event of this signature (${e.action} of ${e.entity_type} ${e.entity_id ?? ''})` };
  }
  const checks: Array<[string, unknown, unknown]> = [
    ['signer', r.signer_employee_id, nv.employeeId],
    ['signer', r.signer_employee_id, e.actor_id],
    ['printed name', r.printed_name, nv.printedName],
    ['role', r.signer_role, nv.role],
    ['meaning', r.meaning, nv.meaning],
    ['transition', r.transition, nv.transition],
    ['version', r.version, nv.version],
    ['comment', r.comment ?? null, nv.comment ?? null],
    ['context_ref', r.context_ref, e.context_ref],
    ['content hash', Buffer.from(r.sig_hash).toString('hex'), nv.contentHash],
    // signed_at is the event's time (stored to the millisecond).
    ['time', Number(r.signed_at_ms), Date.parse(e.occurred_at)],
  ];
  for (const [field, row, chain] of checks) {
    if (row !== chain) {
      const show = (v: unknown) => (field === 'time' && typeof v === 'number' ? new Date(v).toISOString() : JSON.stringify(v));
      return { field, detail: `${field} is ${show(row)} on the signature, ${show(chain)} in its record.sign event` };
    }
  }
  if (!r.version_event) return { field: 'content', detail: `no record.create or record.edit event records the content hash of version ${r.version}` };
  const ve = JSON.parse(r.version_event) as TCanonical;
  const chainHash = String(ve.new_value?.contentHash ?? '');
  const actual = contentHashOf(r.content_canonical).toString('hex');
  if (actual !== chainHash) return { field: 'content', detail: `the content of version ${r.version} hashes to ${actual.slice(0, 16)}…, the chain recorded ${chainHash.slice(0, 16)}… (${ve.action})` };
  if (Buffer.from(r.content_hash).toString('hex') !== chainHash) return { field: 'content', detail: `the version's stored content hash differs from the one ${ve.action} put in the chain` };
  return null;
}

/** Where the check's one query runs: a node-postgres client, or Prisma (the record page). */
export type TQueryable = Pick<pg.ClientBase, 'query'> | { $queryRaw<T = unknown>(query: Prisma.Sql): Promise<T> };

/** One parameterized statement (Prisma.sql), sent by either executor. */
async function run(db: TQueryable, after: string, recordId: string | null): Promise<TRow[]> {
  const q = query(after, recordId);
  if ('$queryRaw' in db) return db.$queryRaw<TRow[]>(q);
  return (await db.query<TRow>({ text: q.text, values: q.values })).rows;
}

/** Every signature (or those of one record) against the audit chain. */
export async function checkSignaturesAgainstChain(
  client: TQueryable,
  opts: { recordId?: string; limitReported?: number } = {},
): Promise<{ checked: number; invalid: TChainSignatureProblem[] }> {
  const out = { checked: 0, invalid: [] as TChainSignatureProblem[] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await run(client, after, opts.recordId ?? null);
    if (rows.length === 0) break;
    for (const r of rows) {
      out.checked += 1;
      const p = compare(r);
      if (p && out.invalid.length < (opts.limitReported ?? 100)) {
        out.invalid.push({ signatureId: r.id, recordId: r.record_id, recordNumber: r.number, version: r.version, ...p });
      }
    }
    after = rows[rows.length - 1].id;
  }
  return out;
}
