import { readFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DeviceKeyStore, TDeviceConfig } from '@/lib/ingest/key-store';
import type { TInbound, TVerdict } from '@/lib/ingest/verify-inbound';

// Verification (strict JSON parse, Python-canonical rebuild, HMAC / ECDSA) is pure CPU work and
// the largest per-message cost of ingestion. This pool runs verifyInbound — the same function,
// against the same DeviceKeyStore lookups — on worker threads, so it no longer saturates the one
// thread that also speaks MQTT and PostgreSQL. A batch is split into chunks, each verified on the
// least busy worker, and the verdicts come back in message order.
//
// The workers receive a copy of the key store's maps whenever the main thread's store has
// (re)loaded; messages to one worker are ordered, so a chunk is always verified with the keys
// the main thread held when it was sent. DeviceKeyStore keeps its maps private and has no
// export of them: they are read here, and set in the worker, by name (tsc checks the names).

/** What the key store holds, as sent to a worker (Maps, Dates and KeyObjects are cloneable). */
export interface TKeySnapshot {
  devices: Map<string, TDeviceConfig>;
  hmac: Map<string, Uint8Array>;
  gateways: Map<string, { gatewayId: string; publicKey: KeyObject }>;
}

export type TToWorker =
  | { type: 'keys'; snapshot: TKeySnapshot }
  | { type: 'verify'; id: number; payloads: ArrayBuffer; offsets: Int32Array; topics: Array<string | null>; sources: Array<'mqtt' | 'http'>; maxBytes?: number };

/** ok: [1, format, deviceId, sensorId, keyVersion, gatewaySeq, valueText, unit, deviceTs]; rejected: [0, reason, detail, deviceHint]. */
export type TWireVerdict =
  | [1, 'hmac' | 'ecdsa', string, string | null, number | null, bigint | null, string, string, string]
  | [0, string, string, string | null];

/** Verdicts of one chunk; `hashes` holds raw SHA-256 ‖ dedup key (64 bytes) per message. */
export type TFromWorker = { id: number; verdicts: TWireVerdict[]; hashes: ArrayBuffer } | { id: number; error: string };

const CHUNK_MIN = 64;

interface TSlot {
  worker: Worker;
  outstanding: number;
  keysSent: unknown;
  pending: Map<number, { resolve: (r: { verdicts: TWireVerdict[]; hashes: ArrayBuffer }) => void; reject: (e: Error) => void; count: number }>;
}

export class VerifyPool {
  private slots: TSlot[] | null = null;
  private nextId = 1;
  private failure: Error | null = null;
  private snapshot: TKeySnapshot | null = null;

  constructor(
    private readonly size: number,
    private readonly log: (line: string) => void = (line) => console.error(line),
  ) {}

  /** False once a worker has failed (e.g. it could not load): callers verify in-thread instead. */
  get usable(): boolean {
    return this.failure === null;
  }

  async verify(messages: TInbound[], keys: DeviceKeyStore, opts: { maxBytes?: number } = {}): Promise<TVerdict[]> {
    if (this.failure) throw this.failure;
    const slots = this.start();
    const snapshot = this.snapshotOf(keys);
    const chunks = Math.max(1, Math.min(slots.length, Math.floor(messages.length / CHUNK_MIN)));
    const per = Math.ceil(messages.length / chunks);
    const parts: Array<Promise<{ verdicts: TWireVerdict[]; hashes: ArrayBuffer }>> = [];
    for (let start = 0; start < messages.length; start += per) {
      const part = messages.slice(start, start + per);
      const slot = slots.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      if (slot.keysSent !== snapshot.devices) {
        slot.worker.postMessage({ type: 'keys', snapshot } satisfies TToWorker);
        slot.keysSent = snapshot.devices;
      }
      parts.push(this.send(slot, part, opts.maxBytes));
    }
    const results = await Promise.all(parts);
    const out: TVerdict[] = new Array(messages.length);
    let i = 0;
    for (const r of results) {
      for (let j = 0; j < r.verdicts.length; j++, i++) out[i] = toVerdict(messages[i], r.verdicts[j], r.hashes, j * 64);
    }
    return out;
  }

  /** The store's maps are replaced on every load: a different map is a different key set. */
  private snapshotOf(keys: DeviceKeyStore): TKeySnapshot {
    const devices = keys['devices'];
    if (this.snapshot?.devices !== devices) {
      // Each secret copied into a buffer of its own: a pooled slice would clone its whole pool.
      const hmac = new Map([...keys['hmac']].map(([k, v]): [string, Uint8Array] => [k, Uint8Array.from(v)]));
      this.snapshot = { devices, hmac, gateways: keys['gateways'] };
    }
    return this.snapshot;
  }

  /** Starts the threads and waits until each has loaded (startup is not a batch's latency). */
  async ready(): Promise<void> {
    if (this.failure) throw this.failure;
    await Promise.all(this.start().map((slot) => this.send(slot, [], undefined)));
  }

  async close(): Promise<void> {
    const slots = this.slots ?? [];
    this.slots = null;
    this.failure ??= new Error('verification pool closed');
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private send(slot: TSlot, part: TInbound[], maxBytes: number | undefined) {
    let total = 0;
    for (const m of part) total += m.raw.length;
    // One buffer of its own (not a pooled slice) so it can be transferred, not copied again.
    const payloads = Buffer.allocUnsafeSlow(total);
    const offsets = new Int32Array(part.length + 1);
    let off = 0;
    part.forEach((m, k) => {
      offsets[k] = off;
      off += m.raw.copy(payloads, off);
    });
    offsets[part.length] = off;
    const id = this.nextId++;
    slot.outstanding += part.length;
    return new Promise<{ verdicts: TWireVerdict[]; hashes: ArrayBuffer }>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject, count: part.length });
      const msg: TToWorker = { type: 'verify', id, payloads: payloads.buffer as ArrayBuffer, offsets, topics: part.map((m) => m.topic), sources: part.map((m) => m.source), maxBytes };
      slot.worker.postMessage(msg, [msg.payloads, offsets.buffer as ArrayBuffer]);
    });
  }

  private start(): TSlot[] {
    if (this.slots) return this.slots;
    // The worker is TypeScript: it is loaded through tsx's API (the ingest worker and the bench
    // run under tsx), with the project's tsconfig for the '@/' paths.
    const here = path.dirname(fileURLToPath(import.meta.url));
    const entry = pathToFileURL(path.join(here, 'verify-pool-worker.ts')).href;
    const tsconfig = path.join(here, '..', '..', 'tsconfig.json');
    let api: string;
    try {
      api = tsxEsmApi();
    } catch (e) {
      this.fail(e as Error);
      throw e;
    }
    const code = `import(${JSON.stringify(api)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, { parentURL: ${JSON.stringify(entry)}, tsconfig: ${JSON.stringify(tsconfig)} }))`;
    const slots = Array.from({ length: this.size }, () => {
      const slot: TSlot = { worker: new Worker(code, { eval: true, name: 'custos-verify' }), outstanding: 0, keysSent: null, pending: new Map() };
      slot.worker.unref();
      slot.worker.on('message', (m: TFromWorker) => {
        const p = slot.pending.get(m.id);
        if (!p) return;
        slot.pending.delete(m.id);
        slot.outstanding -= p.count;
        if ('error' in m) p.reject(new Error(m.error));
        else p.resolve(m);
      });
      slot.worker.on('error', (e) => this.fail(e));
      slot.worker.on('exit', (code) => this.fail(new Error(`verification worker exited (${code})`)));
      return slot;
    });
    this.slots = slots;
    return slots;
  }

  /** One thread failing (it could not load, or crashed) retires the pool: the caller verifies in-thread. */
  private fail(e: Error) {
    if (!this.failure) this.log(`ingest: verification thread failed (${e.message}); verifying on the main thread from now on`);
    this.failure ??= e;
    const slots = this.slots ?? [];
    this.slots = null;
    for (const slot of slots) {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      void slot.worker.terminate();
    }
  }
}

/** URL of tsx's ESM API (its CommonJS build cannot register the loader from a worker). */
export function tsxEsmApi(): string {
  // Resolved at run time only (worker threads run from source with tsx, not from the bundle).
  const req = createRequire(/* turbopackIgnore: true */ import.meta.url);
  const pkgPath = req.resolve(/* turbopackIgnore: true */ 'tsx/package.json');
  const pkg = JSON.parse(readFileSync(/* turbopackIgnore: true */ pkgPath, 'utf8')) as { exports: Record<string, { import?: { default?: string } }> };
  const file = pkg.exports['./esm/api']?.import?.default;
  if (!file) throw new Error('tsx/esm/api not found');
  return pathToFileURL(path.join(path.dirname(pkgPath), file)).href;
}

function toVerdict(inbound: TInbound, w: TWireVerdict, hashes: ArrayBuffer, at: number): TVerdict {
  const rawSha256 = Buffer.from(hashes, at, 32);
  if (w[0] === 1) {
    const [, format, deviceId, sensorId, keyVersion, gatewaySeq, valueText, unit, deviceTs] = w;
    return { ok: true, reading: { inbound, format, deviceId, sensorId, keyVersion, gatewaySeq, valueText, unit, deviceTs, rawSha256, dedupKey: Buffer.from(hashes, at + 32, 32) } };
  }
  const [, reason, detail, deviceHint] = w;
  return { ok: false, rejected: { inbound, reason, detail, deviceHint, rawSha256 } };
}
