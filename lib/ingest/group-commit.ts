import type { TIngestResult } from '@/lib/ingest/ingestor';
import type { TVerdict } from '@/lib/ingest/verify-inbound';

// Group commit for the HTTP gateway endpoint: concurrent posts, each verified on its own
// request, are stored together in ONE transaction with ONE telemetry.batch audit event carrying
// the group's Merkle root (as an MQTT batch is). Each post is answered only after its group
// committed (acknowledge after commit, 21 CFR 11.10(e)); a group that fails fails each of its
// posts, which the gateway retries (idempotent: a reading is stored once).
//
// When no commit is running, the first post waits `windowMs` for others; while `parallel`
// commits run, posts queue and go together as soon as one returns. At most `maxGroup` posts
// per group. Two groups in flight overlap their bulk inserts; they meet only at the rows every
// batch locks last (device state in device order, then the audit chain head), so they neither
// deadlock nor reorder a gateway that waits for each answer.
// Posts keep their arrival order inside a group, and a gateway that waits for each answer
// before its next post (seed 001 does) sees its readings stored in its order.

export type TGroupAnswer = { verdict: TIngestResult['verdicts'][number]; batchId: string | null; groupSize: number };

interface TItem {
  verdict: TVerdict;
  resolve: (a: TGroupAnswer) => void;
  reject: (e: unknown) => void;
}

export class GroupCommitter {
  private queue: TItem[] = [];
  private running = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Stores one group in one transaction (Ingestor.storeVerdicts, here or on the commit thread). */
    private readonly store: (verdicts: TVerdict[]) => Promise<TIngestResult>,
    private readonly opts: { windowMs: number; maxGroup: number; parallel?: number },
  ) {}

  private get parallel(): number {
    return Math.max(1, this.opts.parallel ?? 1);
  }

  submit(verdict: TVerdict): Promise<TGroupAnswer> {
    return new Promise<TGroupAnswer>((resolve, reject) => {
      this.queue.push({ verdict, resolve, reject });
      this.schedule();
    });
  }

  /** Posts waiting for a group (for metrics and tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private lastGroup = 0;

  private schedule(): void {
    if (this.running >= this.parallel) return;
    if (this.queue.length >= this.opts.maxGroup || (this.running === 0 && this.opts.windowMs === 0)) {
      this.flush();
      return;
    }
    if (this.running > 0) {
      // A commit runs: another starts beside it once half a group of the last size is waiting
      // (a busy endpoint); otherwise what queues goes when the running one returns.
      if (this.queue.length >= Math.max(8, this.lastGroup >> 1)) this.flush();
      return;
    }
    this.timer ??= setTimeout(() => this.flush(), this.opts.windowMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running >= this.parallel || this.queue.length === 0) return;
    const group = this.queue.splice(0, this.opts.maxGroup);
    this.lastGroup = group.length;
    this.running++;
    this.store(group.map((g) => g.verdict))
      .then(
        (r) => group.forEach((g, i) => g.resolve({ verdict: r.verdicts[i], batchId: r.batchId, groupSize: group.length })),
        (e: unknown) => group.forEach((g) => g.reject(e)),
      )
      .finally(() => {
        this.running--;
        // What queued during this commit goes at once: it has waited a commit already.
        if (this.queue.length > 0) this.flush();
      });
  }
}
