import { getMetrics } from '@/lib/metrics/registry';

/**
 * Counts one committed ingest batch. Called after the commit, with what the commit returned, so
 * the counters add up to the rows: stored = new telemetry rows, quarantined = new quarantine rows.
 */
export function observeIngestBatch(b: {
  received: number;
  stored: number;
  duplicates: number;
  rejectedReasons: string[];
  commitSeconds: number;
  deviceTimes: Array<Date | null>;
  committedAt: Date;
}): void {
  const m = getMetrics();
  m.received.inc(b.received);
  if (b.stored) m.stored.inc(b.stored);
  if (b.duplicates) m.duplicates.inc(b.duplicates);
  const byReason = new Map<string, number>();
  for (const r of b.rejectedReasons) byReason.set(r, (byReason.get(r) ?? 0) + 1);
  for (const [reason, n] of byReason) m.quarantined.inc({ reason }, n);
  m.commitSeconds.observe(b.commitSeconds);
  const t = b.committedAt.getTime();
  for (const d of b.deviceTimes) if (d) m.lagSeconds.observe(Math.max(0, (t - d.getTime()) / 1000));
}
