import { Prisma } from '@/lib/generated/prisma/client';
import type { TAuditFilter } from '@/lib/audit/audit-filter';

export interface TAuditWhereOptions {
  /**
   * The chain's events are in time order over the whole date range of the filter
   * (chain-time-order.ts): `from`/`to` become a seq range. Without it they are compared with
   * occurred_at, which returns the same rows on such a chain, only slower.
   */
  timeOrdered?: boolean;
}

const NO_SEQ_AFTER = 9223372036854775807n; // bigint max: "no event at or after from"

/** The WHERE clause of a filter (parameterized), shared by the viewer and every export. */
export function auditWhere(chainId: string, f: TAuditFilter, opts: TAuditWhereOptions = {}): Prisma.Sql {
  const parts: Prisma.Sql[] = [Prisma.sql`chain_id = ${chainId}`];
  if (f.actor) parts.push(Prisma.sql`actor_id = ${f.actor}`);
  if (f.action) {
    if (f.action.endsWith('*')) parts.push(Prisma.sql`action LIKE ${f.action.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`) + '%'}`);
    else parts.push(Prisma.sql`action = ${f.action}`);
  }
  if (f.entityType) parts.push(Prisma.sql`entity_type = ${f.entityType}`);
  if (f.entityId) parts.push(Prisma.sql`entity_id = ${f.entityId}`);
  if (f.contextRef) parts.push(Prisma.sql`context_ref = ${f.contextRef}`);
  if (opts.timeOrdered) parts.push(...timeAsSeq(chainId, f));
  else {
    if (f.from) parts.push(Prisma.sql`occurred_at >= ${new Date(f.from)}`);
    if (f.to) parts.push(Prisma.sql`occurred_at ${upTo(f.to)}`);
  }
  parts.push(...seqBounds(f));
  // reason_tsv = to_tsvector('simple', coalesce(reason, '')), stored (migration 20261122030000_audit_indexes).
  if (f.q) parts.push(Prisma.sql`reason_tsv @@ plainto_tsquery('simple', ${f.q})`);
  return Prisma.join(parts, ' AND ');
}

function seqBounds(f: TAuditFilter): Prisma.Sql[] {
  const parts: Prisma.Sql[] = [];
  if (f.fromSeq) parts.push(Prisma.sql`seq >= ${BigInt(f.fromSeq)}`);
  if (f.toSeq) parts.push(Prisma.sql`seq <= ${BigInt(f.toSeq)}`);
  return parts;
}

/**
 * A date range as a seq range, on a chain whose times never decrease along seq: the first event
 * at or after `from` and the last one at or before `to`, each one probe of
 * audit_events_time_idx (chain_id, occurred_at, seq), evaluated once per statement (an InitPlan)
 * and used as bounds of whatever index scan serves the rest of the filter. Counting or paging
 * a day then costs what the same page of the unfiltered trail costs, however many events the
 * day holds.
 */
function timeAsSeq(chainId: string, f: TAuditFilter): Prisma.Sql[] {
  const parts: Prisma.Sql[] = [];
  if (f.from) {
    parts.push(Prisma.sql`seq >= coalesce((SELECT t.seq FROM audit_events t WHERE t.chain_id = ${chainId} AND t.occurred_at >= ${new Date(f.from)}
      ORDER BY t.occurred_at ASC, t.seq ASC LIMIT 1), ${NO_SEQ_AFTER})`);
  }
  if (f.to) {
    parts.push(Prisma.sql`seq <= coalesce((SELECT t.seq FROM audit_events t WHERE t.chain_id = ${chainId} AND t.occurred_at ${upTo(f.to)}
      ORDER BY t.occurred_at DESC, t.seq DESC LIMIT 1), 0)`);
  }
  return parts;
}

/**
 * A search that plainto_tsquery('simple', q) turns into exactly one word: letters and digits of
 * ASCII, nothing else (every other character may split the text into several words, or into a
 * word and its parts, e.g. "CAPA-17" is 'capa' & '-17').
 */
const ONE_WORD = /^[A-Za-z0-9]+$/;

/**
 * The seqs of one keyset page (seq < before, or seq > after; `limit` of them, in fetch order).
 * Run as `seq = ANY(ARRAY(<this>))`: the page's seqs come from the filter's own index, which
 * ends in seq, without reading a single row (an index-only scan), and only the rows of the page
 * are then read. Reading rows while searching cost a heap fetch for every candidate: for a date
 * range, every event of the range (13,700 a day on a 10-million-event trail) before the top-N
 * sort kept 50 of them (bench/audit.ts).
 *
 * One word in the reason, alone or with a date or seq range, is read from audit_reason_words
 * (chain_id, word, seq): the same index-only range scan. Testing each event's words instead
 * walked the chain until 50 matched, thousands of events for a frequent word.
 */
export function auditPageSeqs(
  chainId: string,
  f: TAuditFilter,
  page: { before?: bigint; after?: bigint; ascending: boolean; limit: number },
  opts: TAuditWhereOptions = {},
): Prisma.Sql {
  const cursor = page.after !== undefined ? Prisma.sql`AND seq > ${page.after}` : page.before !== undefined ? Prisma.sql`AND seq < ${page.before}` : Prisma.empty;
  const order = page.ascending ? Prisma.sql`ORDER BY seq ASC` : Prisma.sql`ORDER BY seq DESC`;
  if (f.q && ONE_WORD.test(f.q) && onlyWordAndRanges(f) && (opts.timeOrdered || (!f.from && !f.to))) {
    const where = Prisma.join(
      [
        Prisma.sql`chain_id = ${chainId}`,
        Prisma.sql`word = (tsvector_to_array(to_tsvector('simple', ${f.q})))[1]`,
        ...timeAsSeq(chainId, f),
        ...seqBounds(f),
      ],
      ' AND ',
    );
    return Prisma.sql`SELECT seq FROM audit_reason_words WHERE ${where} ${cursor} ${order} LIMIT ${page.limit}`;
  }
  return Prisma.sql`SELECT seq FROM audit_events WHERE ${auditWhere(chainId, f, opts)} ${cursor} ${order} LIMIT ${page.limit}`;
}

function onlyWordAndRanges(f: TAuditFilter): boolean {
  return !f.actor && !f.action && !f.entityType && !f.entityId && !f.contextRef;
}

/**
 * The comparison for "to": a bare date means the whole day (before the next midnight UTC; a
 * Date holds milliseconds, so "23:59:59.999999" lost the day's last 999 µs), a date-time is
 * inclusive.
 */
function upTo(to: string): Prisma.Sql {
  if (/^\d{4}-\d{2}-\d{2}$/.test(to)) return Prisma.sql`< ${new Date(Date.parse(`${to}T00:00:00Z`) + 86_400_000)}`;
  return Prisma.sql`<= ${new Date(to)}`;
}

/**
 * The same SQL with its values written in as literals, for the one statement that takes no
 * parameters: COPY (the exports stream their rows with it). Strings are quoted the way
 * PostgreSQL's own quote_literal() does (quotes and backslashes doubled in an E'' literal, whose
 * meaning does not depend on standard_conforming_strings); anything else but integers and
 * dates is refused.
 */
export function inlineSql(sql: Prisma.Sql): string {
  let out = sql.strings[0];
  sql.values.forEach((v, i) => {
    out += sqlLiteral(v) + sql.strings[i + 1];
  });
  return out;
}

export function sqlLiteral(v: unknown): string {
  if (typeof v === 'string') {
    // PostgreSQL text holds no NUL (a bound parameter with one is refused too).
    if (v.includes('\0')) throw new Error('a text value contains a NUL character');
    return `E'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  }
  if (typeof v === 'bigint') return `${v}::bigint`;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  if (v instanceof Date && !Number.isNaN(v.getTime())) return `'${v.toISOString()}'::timestamptz`;
  throw new Error(`no SQL literal for a value of type ${typeof v}`);
}
