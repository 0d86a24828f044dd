// The worker's periodic line: once a minute, and only when something happened in that minute.
// "received 0, committed 0" every few seconds buried everything else in the log.

export interface TIngestTotals {
  received: number;
  committed: number;
  failures: number;
}

export const SUMMARY_EVERY_S = 60;

/** The line for the minute since `prev`, or null when nothing was received, committed or failed. */
export function activitySummary(prev: TIngestTotals, now: TIngestTotals): { line: string; level: 'info' | 'warn' } | null {
  const received = now.received - prev.received;
  const committed = now.committed - prev.committed;
  const failures = now.failures - prev.failures;
  if (received <= 0 && committed <= 0 && failures <= 0) return null;
  const parts = [`received ${received}`, `committed ${committed}`];
  if (failures > 0) parts.push(`failed batches ${failures}`);
  return { line: `last minute: ${parts.join(', ')} (since start: committed ${now.committed})`, level: failures > 0 ? 'warn' : 'info' };
}
