import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { z } from 'zod';
import { canonicalize } from '@/lib/audit/canonical';
import { chainHash, GENESIS_HASH } from '@/lib/audit/chain';
import { toCanonicalObject, type ZAuditEventInput } from '@/lib/audit/events';

// Synthetic audit events for bench/audit.ts, shaped like a site's trail: 500 people whose
// activity follows a Zipf law (a few do most of the work, many are rare), 40 actions, records,
// change requests, users and devices, reasons with words and CAPA numbers, and context refs.
// Each row carries the real canonical text and SHA-256 link (lib/audit/canonical.ts, chain.ts,
// events.ts), so the loaded chain verifies like one the app wrote. Deterministic: a seeded PRNG.

type TEvent = z.output<typeof ZAuditEventInput>;

export const CHAIN = 'main';
export const ACTORS = 500;
export const COMMON_ACTOR = actorId(1);
export const RARE_ACTOR = actorId(ACTORS);
/** A word in about 3% of reasons, for the "common word" text search. */
export const COMMON_WORD = 'calibration';

export function actorId(rank: number): string {
  return `EMP-${String(rank).padStart(4, '0')}`;
}

/** mulberry32: small, fast, good enough for a workload mix. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Cumulative weights of a Zipf law over n ranks; pick() returns a 0-based rank. */
function zipf(n: number, s: number, rnd: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = sum += 1 / k ** s;
  for (let k = 0; k < n; k++) cdf[k] /= sum;
  return () => {
    const u = rnd();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

// Most frequent first: the order is the Zipf rank.
const ACTIONS: Array<[string, string]> = [
  ['auth.sign_in', 'Session'],
  ['record.edit', 'Record'],
  ['auth.sign_out', 'Session'],
  ['record.sign', 'Record'],
  ['auth.session_unlock', 'Session'],
  ['record.create', 'Record'],
  ['telemetry.excursion', 'Device'],
  ['change_request.submit', 'ChangeRequest'],
  ['change_request.approve', 'ChangeRequest'],
  ['auth.sign_in_failed', 'User'],
  ['esign.refused', 'Record'],
  ['quarantine.hold', 'Batch'],
  ['quarantine.release', 'Batch'],
  ['change_request.apply', 'ChangeRequest'],
  ['record.retire', 'Record'],
  ['user.password_change', 'User'],
  ['change_request.reject', 'ChangeRequest'],
  ['change_request.cancel', 'ChangeRequest'],
  ['device.rotate_key', 'Device'],
  ['auth.mfa_failed', 'User'],
  ['user.update', 'User'],
  ['esign.failed', 'Record'],
  ['change_request.expire', 'ChangeRequest'],
  ['change_request.secret_shown', 'ChangeRequest'],
  ['user.lock', 'User'],
  ['user.unlock', 'User'],
  ['auth.unlock_failed', 'User'],
  ['user.create', 'User'],
  ['user.assign_role', 'User'],
  ['user.remove_role', 'User'],
  ['user.mfa_enrol', 'User'],
  ['device.register', 'Device'],
  ['user.disable', 'User'],
  ['user.enable', 'User'],
  ['audit.export', 'AuditChain'],
  ['audit.verify', 'AuditChain'],
  ['role.update_permissions', 'Role'],
  ['device.disable', 'Device'],
  ['role.create', 'Role'],
  ['audit.export_refused', 'AuditChain'],
];

const FIRST = ['Ada', 'Grace', 'Alan', 'Marie', 'Niels', 'Rosalind', 'Carl', 'Lise', 'Emmy', 'Dorothy', 'Jonas', 'Chien-Shiung', 'Hedy', 'Katherine', 'Tu'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Curie', 'Bohr', 'Franklin', 'Gauss', 'Meitner', 'Noether', 'Hodgkin', 'Salk', 'Wu', 'Lamarr', 'Johnson', 'Youyou'];
const ROLES = ['Operator', 'QA Reviewer', 'QA Approver', 'Administrator', 'Auditor'];
const MEANINGS: Record<string, string> = { submit: 'AUTHORSHIP', review: 'REVIEW', approve: 'APPROVAL' };
const WORDS = (
  'batch record deviation temperature excursion cold room corrected entry after review of the logbook ' +
  'sample label printed wrong lot number reissued per sop training completed equipment cleaning verified ' +
  'line clearance signed late due to shift change operator reported alarm acknowledged sensor replaced ' +
  'filter integrity test passed retest requested by qa documentation typo in yield calculation ' +
  'weighing scale out of tolerance investigation opened root cause human error corrective action assigned ' +
  'supplier certificate missing quarantine extended pending results stability pull chromatography rerun ' +
  'water system trend alert environmental monitoring excursion grade cleanroom gowning observation'
).split(' ');

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

/** A stable UUID-shaped id for entity k of a kind (no allocation of a pool). */
function uuidOf(kind: number, k: number): string {
  const a = Math.imul(k + 1, 2654435761) ^ Math.imul(kind + 7, 40503);
  const b = Math.imul(a ^ (a >>> 13), 2246822519);
  const c = Math.imul(b ^ (b >>> 16), 3266489917);
  const h1 = hex8(a);
  const h2 = hex8(b);
  const h3 = hex8(c);
  return `${h1}-${h2.slice(0, 4)}-4${h2.slice(5, 8)}-8${h3.slice(1, 4)}-${h3.slice(4)}${hex8(k).slice(0, 4)}`;
}

const KIND_NO: Record<string, number> = { Record: 1, ChangeRequest: 2, User: 3, Device: 4, Batch: 5, Session: 6, Role: 7, AuditChain: 8 };

/** COPY text format: backslash, tab, newline and carriage return are escaped; null is \N. */
function esc(v: string | null): string {
  if (v === null) return '\\N';
  return /[\\\t\n\r]/.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : v;
}

export interface TLoadResult {
  rows: number;
  headSeq: bigint;
  headHash: Buffer;
  firstTime: string;
  lastTime: string;
}

/**
 * Generates `n` events after (startSeq, startHash) and streams them into audit_events with
 * COPY FROM STDIN (text format), `chunkRows` per write. Times are spread evenly over the two
 * years before `endMs`, never decreasing along the chain (checked per row).
 */
export async function copyEvents(
  client: pg.ClientBase,
  opts: { n: number; startSeq: bigint; startHash: Buffer; endMs: number; chunkRows?: number; onProgress?: (done: number) => void },
): Promise<TLoadResult> {
  const rnd = prng(20261122);
  const pickActor = zipf(ACTORS, 1.1, rnd);
  const pickAction = zipf(ACTIONS.length, 1.0, rnd);
  const pickWord = zipf(WORDS.length, 0.9, rnd);
  const n = opts.n;
  const chunkRows = opts.chunkRows ?? 2_000;
  const spanUs = 730 * 86_400 * 1_000_000;
  const startUs = opts.endMs * 1000 - spanUs;
  const stepUs = spanUs / n;
  // Entities live for a while: most of an entity's events are near each other in the chain.
  const pool = (kind: string) => Math.max(50, Math.floor(n / (kind === 'Session' ? 4 : kind === 'Record' ? 25 : kind === 'ChangeRequest' ? 60 : 400)));
  const entityIndex = (kind: string, i: number) => {
    const size = pool(kind);
    const center = Math.floor((i / n) * size);
    return rnd() < 0.85 ? Math.min(size - 1, Math.max(0, center + Math.floor((rnd() - 0.5) * 20))) : Math.floor(rnd() * size);
  };
  const capaPool = Math.max(20, Math.floor(n / 40));

  let seq = opts.startSeq;
  let prev: Buffer = opts.startHash;
  let lastTime = '';
  let firstTime = '';

  // Time never goes backwards along a chain (a trigger refuses it, migration
  // 20261122060000_audit_time_order); the load disables that trigger for its COPY, so the
  // generator checks every row itself.
  let lastUs = -Infinity;
  function occurredAt(i: number): string {
    const us = Math.floor(startUs + i * stepUs + rnd() * stepUs * 0.9);
    if (us < lastUs) throw new Error(`synthetic event ${i} would be dated before the one preceding it`);
    lastUs = us;
    const ms = Math.floor(us / 1000);
    return `${new Date(ms).toISOString().slice(0, 19)}.${String(us % 1_000_000).padStart(6, '0')}Z`;
  }

  function reasonFor(action: string, i: number): string | null {
    if (action.startsWith('auth.') || action === 'telemetry.excursion' || action === 'audit.export' || action === 'audit.verify') return null;
    if (action === 'record.sign' && rnd() < 0.6) return null;
    const words: string[] = [];
    const len = 4 + Math.floor(rnd() * 8);
    for (let w = 0; w < len; w++) words.push(WORDS[pickWord()]);
    if (rnd() < 0.035) words.splice(Math.floor(rnd() * words.length), 0, COMMON_WORD);
    let text = words.join(' ');
    text = text[0].toUpperCase() + text.slice(1);
    if (rnd() < 0.25) {
      const center = Math.floor((i / n) * capaPool);
      text += ` (CAPA-${String(Math.max(1, center + Math.floor(rnd() * 5))).padStart(5, '0')})`;
    }
    return text;
  }

  function event(i: number): TEvent {
    const roll = rnd();
    const [action, entityType] = ACTIONS[pickAction()];
    let actor: TEvent['actor'];
    if (action === 'telemetry.excursion' || (action.startsWith('device.') && roll < 0.5)) {
      actor = { type: 'device', id: `DEV-${String(1 + Math.floor(rnd() * 60)).padStart(3, '0')}`, name: 'Cold room gateway', role: null, sessionId: null };
    } else if (roll < 0.03 || action === 'change_request.expire') {
      actor = { type: 'system', id: 'system:server', name: 'Custos server', role: null, sessionId: null };
    } else {
      const rank = pickActor() + 1;
      actor = {
        type: 'user',
        id: actorId(rank),
        name: `${FIRST[rank % FIRST.length]} ${LAST[(rank * 7) % LAST.length]}`,
        role: ROLES[rank % ROLES.length],
        sessionId: `${hex8(Math.imul(rank, 97) ^ Math.floor(i / 400))}${hex8(rank)}`,
      };
    }
    const kind = KIND_NO[entityType];
    const k = entityIndex(entityType, i);
    const entityId = entityType === 'AuditChain' ? CHAIN : entityType === 'Session' ? hex8(Math.imul(k, 2654435761)) + hex8(k).slice(4) : uuidOf(kind, k);
    let oldValue: unknown = null;
    let newValue: unknown = null;
    let contextRef: string | null = null;
    const version = 1 + (k % 7);
    if (action === 'record.sign' || action === 'change_request.approve' || action === 'change_request.reject') {
      const transition = action === 'record.sign' ? (['submit', 'review', 'approve'] as const)[k % 3] : action.slice('change_request.'.length);
      oldValue = { status: 'in_review' };
      newValue = {
        meaning: action === 'record.sign' ? MEANINGS[transition] : action === 'change_request.approve' ? 'APPROVAL' : 'REJECTION',
        printedName: actor.name ?? actor.id,
        employeeId: actor.id,
        version,
        transition,
        contentHash: hex8(k) + hex8(i) + hex8(k ^ i) + hex8(version),
      };
      contextRef = entityType === 'Record' ? `Record:${entityId}/v${version}/transition:${transition}` : `ChangeRequest:${entityId}/decision:${transition}`;
    } else if (action === 'record.edit') {
      oldValue = { title: `Batch record ${k}`, quantity: 1200 + (k % 90), unit: 'kg' };
      newValue = { title: `Batch record ${k}`, quantity: 1200 + (k % 90) + 5, unit: 'kg' };
      contextRef = `Record:${entityId}/v${version + 1}`;
    } else if (action === 'record.create' || action === 'change_request.submit') {
      newValue = { number: `BR-${String(k).padStart(6, '0')}`, kind: 'batch_record', version: 1 };
    } else if (action === 'telemetry.excursion') {
      newValue = { sensor: `T-${k % 40}`, celsius: 8.4 + (i % 30) / 10, limit: 8 };
      contextRef = `Reading:${actor.id}/${i}`;
    } else if (action.startsWith('auth.')) {
      newValue = { ip: `10.${k % 250}.${i % 250}.${(i >> 8) % 250}`, mfa: k % 3 === 0 ? 'totp' : null };
    }
    return { actor, action, entityType, entityId, oldValue, newValue, reason: reasonFor(action, i), contextRef };
  }

  // Async, and a turn of the event loop per chunk: otherwise the whole load can run inside one
  // chain of nextTicks (the socket keeps accepting), starving timers and signal handlers.
  const generate = async function* (): AsyncGenerator<string> {
    let chunk = '';
    let inChunk = 0;
    for (let i = 0; i < n; i++) {
      seq += 1n;
      const time = occurredAt(i);
      if (i === 0) firstTime = time;
      lastTime = time;
      const e = event(i);
      const canonical = canonicalize(toCanonicalObject(e, CHAIN, seq, time));
      const hash = chainHash(prev, canonical);
      chunk += `${CHAIN}\t${seq}\t${time}\t${e.actor.type}\t${esc(e.actor.id)}\t${esc(e.actor.name ?? null)}\t${esc(e.actor.role ?? null)}\t${esc(e.actor.sessionId ?? null)}\t${e.action}\t${e.entityType}\t${esc(e.entityId ?? null)}\t${esc(e.oldValue == null ? null : JSON.stringify(e.oldValue))}\t${esc(e.newValue == null ? null : JSON.stringify(e.newValue))}\t${esc(e.reason ?? null)}\t${esc(e.contextRef ?? null)}\t${esc(canonical)}\t\\\\x${prev.toString('hex')}\t\\\\x${hash.toString('hex')}\n`;
      prev = hash;
      if (++inChunk === chunkRows) {
        await new Promise<void>((r) => setImmediate(r));
        yield chunk;
        chunk = '';
        inChunk = 0;
        opts.onProgress?.(i + 1);
      }
    }
    if (chunk) yield chunk;
    opts.onProgress?.(n);
  };

  await pipeline(
    Readable.from(generate(), { objectMode: false }),
    client.query(
      copyFrom(`COPY audit_events (chain_id, seq, occurred_at, actor_type, actor_id, actor_name, actor_role, session_id, action,
        entity_type, entity_id, old_value, new_value, reason, context_ref, canonical, prev_hash, hash) FROM STDIN`),
    ),
  );
  return { rows: n, headSeq: seq, headHash: prev, firstTime, lastTime };
}

export { GENESIS_HASH };
