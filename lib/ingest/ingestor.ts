import type { TDb } from '@/lib/db/client';
import { DeviceKeyStore } from '@/lib/ingest/key-store';
import { storeBatch, type TStoreResult } from '@/lib/ingest/store-batch';
import { verifyInbound, type TAcceptedReading, type TInbound, type TRejected } from '@/lib/ingest/verify-inbound';

const UNKNOWN = new Set(['unknown_device', 'unknown_sensor', 'unknown_key_version']);

/**
 * parse ► verify ► store, for a batch of inbound messages (MQTT or HTTP). Messages naming a
 * device the key store does not know trigger one reload (a device registered a moment ago) and
 * a second look before they are quarantined.
 */
export class Ingestor {
  readonly keys: DeviceKeyStore;

  constructor(
    private readonly db: TDb,
    opts: { maxBytes?: number } = {},
  ) {
    this.keys = new DeviceKeyStore(db);
    this.maxBytes = opts.maxBytes ?? Number(process.env.CUSTOS_INGEST_MAX_BYTES ?? 64 * 1024);
  }

  private readonly maxBytes: number;

  async ingest(messages: TInbound[]): Promise<TStoreResult & { verdicts: Array<{ ok: boolean; reason?: string; dedupKey?: string }> }> {
    await this.keys.refreshIfNeeded(false);
    const accepted: TAcceptedReading[] = [];
    const rejected: TRejected[] = [];
    let verdicts = messages.map((m) => verifyInbound(m, this.keys, { maxBytes: this.maxBytes }));
    if (verdicts.some((v) => !v.ok && UNKNOWN.has(v.rejected.reason))) {
      await this.keys.refreshIfNeeded(true);
      verdicts = verdicts.map((v, i) => (!v.ok && UNKNOWN.has(v.rejected.reason) ? verifyInbound(messages[i], this.keys, { maxBytes: this.maxBytes }) : v));
    }
    for (const v of verdicts) {
      if (v.ok) accepted.push(v.reading);
      else rejected.push(v.rejected);
    }
    const result = await storeBatch(this.db, this.keys, accepted, rejected);
    return {
      ...result,
      verdicts: verdicts.map((v) => (v.ok ? { ok: true, dedupKey: v.reading.dedupKey.toString('hex') } : { ok: false, reason: v.rejected.reason })),
    };
  }
}
