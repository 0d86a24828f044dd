import type pg from 'pg';
import { appendAuditPg } from '@/lib/audit/append-audit';
import { parseBrokerLogLine } from '@/lib/broker/broker-log-line';
import { inPooledTransaction } from '@/lib/db/pg-pool';
import { getMetrics } from '@/lib/metrics/registry';

export const BROKER_ACTOR = { type: 'system' as const, id: 'system:broker', name: 'MQTT broker' };
export const brokerChainId = () => process.env.CUSTOS_BROKER_CHAIN_ID || 'broker';

interface TPending {
  topic: string | null;
  payload: string;
  source: string;
  /** For a file: where the file stands after this line. */
  after?: { fileId: string; offset: bigint };
}

/**
 * Appends broker log lines to the broker's own audit chain, in batches like telemetry: lines
 * gather for up to `flushMs` (or `maxBatch` lines) and commit as one transaction on a chain of
 * their own, so a talkative broker never waits on, or holds, the main chain's head. A file
 * source's read offset is advanced in the same transaction: a restart neither loses nor repeats
 * a line. A failed commit keeps the lines and retries; nothing is dropped.
 */
export class BrokerLogSink {
  private queue: TPending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private closed = false;
  readonly stats = { appended: 0, batches: 0, failures: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: { chainId?: string; flushMs?: number; maxBatch?: number; log?: (line: string) => void } = {},
  ) {}

  get chainId(): string {
    return this.opts.chainId ?? brokerChainId();
  }

  push(line: TPending): void {
    this.queue.push(line);
    if (this.queue.length >= (this.opts.maxBatch ?? 500)) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.opts.flushMs ?? 250);
  }

  /** Commits what is queued (and waits for a flush under way). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.opts.maxBatch ?? 500);
    // Each file's offset after the last of its lines in this batch.
    const offsets = new Map<string, { fileId: string; offset: bigint }>();
    for (const l of batch) if (l.after) offsets.set(l.source, l.after);
    this.flushing = this.commit(batch, offsets).then(
      () => {
        this.stats.appended += batch.length;
        this.stats.batches += 1;
        for (const l of batch) getMetrics().brokerLogLines.inc({ source: l.source.startsWith('file:') ? 'file' : 'topic' });
      },
      (e: Error) => {
        this.stats.failures += 1;
        this.queue.unshift(...batch);
        this.opts.log?.(`broker log append failed (${batch.length} line(s) kept, retrying): ${e.message}`);
        if (!this.closed) this.timer ??= setTimeout(() => void this.flush(), 2000);
      },
    );
    await this.flushing;
    this.flushing = null;
    if (this.queue.length && !this.closed) this.timer ??= setTimeout(() => void this.flush(), 0);
  }

  private async commit(batch: TPending[], offsets: Map<string, { fileId: string; offset: bigint }>): Promise<void> {
    await inPooledTransaction(this.pool, async (client) => {
      await appendAuditPg(
        client,
        batch.map((l) => {
          const e = parseBrokerLogLine(l.topic, l.payload, l.source);
          return { actor: BROKER_ACTOR, action: e.action, entityType: 'BrokerClient', entityId: e.entityId, reason: e.reason, newValue: e.newValue };
        }),
        { chainId: this.chainId },
      );
      for (const [source, o] of offsets) {
        await client.query(
          `INSERT INTO broker_log_offsets (source, file_id, "offset", updated_at) VALUES ($1, $2, $3, now())
           ON CONFLICT (source) DO UPDATE SET file_id = EXCLUDED.file_id, "offset" = EXCLUDED."offset", updated_at = now()`,
          [source, o.fileId, o.offset.toString()],
        );
      }
    });
  }

  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
