import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { TDb } from '@/lib/db/client';
import { getIngestPgPool, guardPool, isConnectionError } from '@/lib/db/pg-pool';
import { DeviceKeyStore } from '@/lib/ingest/key-store';
import { storeBatch, type TStoreResult } from '@/lib/ingest/store-batch';
import { verifyInbound, type TAcceptedReading, type TInbound, type TRejected, type TVerdict } from '@/lib/ingest/verify-inbound';
import { VerifyPool } from '@/lib/ingest/verify-pool';
import { parseDeviceTime } from '@/lib/ingest/reading-rules';
import { observeIngestBatch } from '@/lib/metrics/ingest-metrics';

/**
 * An error that says the batch's content was refused (SQLSTATE class 22 data exception, 23
 * integrity constraint, or no SQLSTATE at all), as opposed to a lost connection, a timeout, a
 * deadlock or exhausted resources — those fail the whole batch, which is redelivered.
 */
function isContentError(e: unknown): boolean {
  if (isConnectionError(e)) return false;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return code.startsWith('22') || code.startsWith('23');
}

const FORMAT_NAME = { hmac: 'seed 000 (HMAC)', ecdsa: 'seed 001 gateway (ECDSA)' } as const;
const UNKNOWN = new Set(['unknown_device', 'unknown_sensor', 'unknown_key_version']);
/** Below this many messages a round trip to the verification threads costs more than it saves. */
const POOLED_MIN = 32;

/** The ingest metrics of one stored batch (lib/metrics/ingest-metrics.ts). */
export function observeVerdicts(verdicts: TVerdict[], result: Pick<TStoreResult, 'stored' | 'duplicates'>, commitSeconds: number): void {
  observeIngestBatch({
    received: verdicts.length,
    stored: result.stored,
    duplicates: result.duplicates,
    rejectedReasons: verdicts.flatMap((v) => (v.ok ? [] : [v.rejected.reason])),
    commitSeconds,
    deviceTimes: verdicts.flatMap((v) => (v.ok ? [parseDeviceTime(v.reading.deviceTs)] : [])),
    committedAt: new Date(),
  });
}

export type TIngestResult = TStoreResult & { verdicts: Array<{ ok: boolean; reason?: string; dedupKey?: string; stored?: boolean }> };

export interface TIngestorOptions {
  maxBytes?: number;
  /** The batch transactions' connections; default the application role's pipelined ingest pool (getIngestPgPool). */
  pool?: pg.Pool;
  /** Verification threads (0: verify on the calling thread); default CUSTOS_INGEST_VERIFY_THREADS or 0. */
  verifyThreads?: number;
}

/**
 * parse ► verify ► store, for a batch of inbound messages (MQTT or HTTP). Messages naming a
 * device the key store does not know trigger one reload (a device registered a moment ago) and
 * a second look before they are quarantined. Reads (devices and keys) go through Prisma; the
 * batch's transaction goes through node-postgres: it is the hot path, and Prisma's raw queries
 * and interactive transactions cost several times what the statements themselves do.
 */
export class Ingestor {
  readonly keys: DeviceKeyStore;
  private readonly pool: pg.Pool;
  private readonly maxBytes: number;
  private readonly verifier: VerifyPool | null;

  constructor(db: TDb, opts: TIngestorOptions = {}) {
    this.keys = new DeviceKeyStore(db);
    this.maxBytes = opts.maxBytes ?? Number(process.env.CUSTOS_INGEST_MAX_BYTES ?? 64 * 1024);
    // A connection the server ends fails the batch in flight, never the process (see guardPool).
    this.pool = guardPool(opts.pool ?? getIngestPgPool());
    const threads = opts.verifyThreads ?? Number(process.env.CUSTOS_INGEST_VERIFY_THREADS || 0);
    this.verifier = threads > 0 ? new VerifyPool(threads) : null;
  }

  /**
   * Seals one message in quarantine with the given reason, without verifying it (e.g. an HTTP
   * body refused for its size or media type): recorded, never silently dropped.
   */
  async quarantine(inbound: TInbound, reason: string, detail: string, received?: TRejected['received']): Promise<TStoreResult> {
    const rawSha256 = createHash('sha256').update(inbound.raw).digest();
    return storeBatch(this.pool, this.keys, [], [{ inbound, reason, detail: detail.slice(0, 500), deviceHint: null, rawSha256, received }]);
  }

  /** `formats`: the payload formats accepted from this source (default both); others are quarantined as `format_not_accepted`. */
  async ingest(messages: TInbound[], opts: { formats?: ReadonlyArray<TAcceptedReading['format']> } = {}): Promise<TIngestResult> {
    return this.storeVerdicts(await this.verifyMessages(messages, opts));
  }

  /** parse ► verify, without storing: one verdict per message, in order. */
  async verifyMessages(messages: TInbound[], opts: { formats?: ReadonlyArray<TAcceptedReading['format']> } = {}): Promise<TVerdict[]> {
    await this.keys.refreshIfNeeded(false);
    let verdicts = await this.verify(messages);
    const unknown = verdicts.flatMap((v, i) => (!v.ok && UNKNOWN.has(v.rejected.reason) ? [i] : []));
    if (unknown.length > 0) {
      await this.keys.refreshIfNeeded(true);
      const again = await this.verify(unknown.map((i) => messages[i]));
      verdicts = [...verdicts];
      unknown.forEach((i, k) => (verdicts[i] = again[k]));
    }
    if (opts.formats) {
      const allowed = new Set(opts.formats);
      verdicts = verdicts.map((v) =>
        v.ok && !allowed.has(v.reading.format)
          ? {
              ok: false,
              rejected: { inbound: v.reading.inbound, reason: 'format_not_accepted', detail: `${FORMAT_NAME[v.reading.format]} payloads are not accepted from ${v.reading.inbound.source}`, deviceHint: v.reading.deviceId, rawSha256: v.reading.rawSha256 },
            }
          : v,
      );
    }
    return verdicts;
  }

  /**
   * Stores verified messages in ONE transaction (readings, their batch event, quarantine) and
   * answers per verdict, in order: stored or duplicate, or the reason it was not stored.
   */
  async storeVerdicts(verdicts: TVerdict[], opts: { observe?: boolean } = {}): Promise<TIngestResult> {
    const accepted: TAcceptedReading[] = [];
    const rejected: TRejected[] = [];
    for (const v of verdicts) {
      if (v.ok) accepted.push(v.reading);
      else rejected.push(v.rejected);
    }
    const started = performance.now();
    const culprits = new Map<TAcceptedReading, string>();
    const newKeys = new Set<string>();
    const result = await this.store(accepted, rejected, culprits, newKeys);
    if (opts.observe !== false) observeVerdicts(verdicts, result, (performance.now() - started) / 1000);
    // The first message of a key stored now is "stored"; a replay (earlier, or a copy in this batch) "duplicate".
    const first = new Set<string>();
    return {
      ...result,
      verdicts: verdicts.map((v) => {
        if (!v.ok) return { ok: false, reason: v.rejected.reason };
        if (culprits.has(v.reading)) return { ok: false, reason: 'store_failed' };
        const k = v.reading.dedupKey.toString('hex');
        const stored = newKeys.has(k) && !first.has(k);
        first.add(k);
        return { ok: true, dedupKey: k, stored };
      }),
    };
  }

  /**
   * Stores the batch; a batch the database refuses because of its content (a data or integrity
   * error, not a lost connection or a lock wait) is split in halves until the message that
   * fails is alone — the others commit, and that one is quarantined with the database's reason.
   * No message can hold the messages behind it hostage to an endless redelivery.
   */
  private async store(accepted: TAcceptedReading[], rejected: TRejected[], culprits: Map<TAcceptedReading, string>, newKeys: Set<string>): Promise<TStoreResult> {
    try {
      const r = await storeBatch(this.pool, this.keys, accepted, rejected);
      for (const k of r.storedKeys ?? []) newKeys.add(k);
      return r;
    } catch (e) {
      if (!isContentError(e) || accepted.length + rejected.length === 0) throw e;
      if (accepted.length === 1 && rejected.length === 0) {
        const a = accepted[0];
        const err = e as { code?: string; message?: string };
        const detail = `the database refused the reading${err.code ? ` (SQLSTATE ${err.code})` : ''}: ${err.message ?? String(e)}`;
        culprits.set(a, detail);
        return storeBatch(this.pool, this.keys, [], [{ inbound: a.inbound, reason: 'store_failed', detail: detail.slice(0, 500), deviceHint: a.deviceId, rawSha256: a.rawSha256 }]);
      }
      if (accepted.length === 0 && rejected.length === 1) {
        // The quarantine row itself was refused: keep the sealed bytes with nothing taken from them.
        const r = rejected[0];
        if (r.deviceHint === null && r.detail.startsWith('(the database refused')) throw e;
        return storeBatch(this.pool, this.keys, [], [{ ...r, deviceHint: null, detail: `(the database refused the original detail: ${(e as Error).message})`.slice(0, 500) }]);
      }
      // Quarantine first on its own, then the readings in halves.
      const parts: Array<[TAcceptedReading[], TRejected[]]> =
        accepted.length === 0
          ? [[[], rejected.slice(0, rejected.length >> 1)], [[], rejected.slice(rejected.length >> 1)]]
          : rejected.length > 0
            ? [[[], rejected], [accepted, []]]
            : [[accepted.slice(0, accepted.length >> 1), []], [accepted.slice(accepted.length >> 1), []]];
      const results: TStoreResult[] = [];
      for (const [a, r] of parts) results.push(await this.store(a, r, culprits, newKeys));
      return {
        stored: results.reduce((n, x) => n + x.stored, 0),
        duplicates: results.reduce((n, x) => n + x.duplicates, 0),
        quarantined: results.reduce((n, x) => n + x.quarantined, 0),
        batchId: results.map((x) => x.batchId).filter(Boolean).at(-1) ?? null,
      };
    }
  }

  /** Starts the verification threads ahead of the first batch (optional: they start on first use). */
  async warmUp(): Promise<void> {
    await this.verifier?.ready().catch(() => undefined);
  }

  /** Stops the verification threads (they never keep the process alive on their own). */
  async close(): Promise<void> {
    await this.verifier?.close();
  }

  private async verify(messages: TInbound[]): Promise<TVerdict[]> {
    if (this.verifier?.usable && messages.length >= POOLED_MIN) {
      try {
        return await this.verifier.verify(messages, this.keys, { maxBytes: this.maxBytes });
      } catch (e) {
        // A verification error is the batch's error; a failed thread means verifying here instead.
        if (this.verifier.usable) throw e;
      }
    }
    return messages.map((m) => verifyInbound(m, this.keys, { maxBytes: this.maxBytes }));
  }
}
