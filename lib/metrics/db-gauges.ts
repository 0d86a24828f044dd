import client from 'prom-client';
import type { TDb } from '@/lib/db/client';
import { addScrapeCollector, getMetrics } from '@/lib/metrics/registry';

const globalForGauges = globalThis as unknown as { custosDbGauges?: boolean };

/**
 * Gauges read from the database at scrape time: the chain heads, the last successful
 * verification of each chain, held quarantine by age, the last good backup and passed drill.
 * Registered once per process.
 */
export function registerDbGauges(db: TDb, opts: { escalateMin?: number } = {}): void {
  if (globalForGauges.custosDbGauges) return;
  globalForGauges.custosDbGauges = true;
  const r = [getMetrics().registry];
  const escalateMin = opts.escalateMin ?? Number(process.env.CUSTOS_QUARANTINE_ESCALATE_MIN || 15);
  const head = new client.Gauge({ name: 'custos_audit_chain_head_seq', help: 'Sequence number of the newest event of each audit chain', labelNames: ['chain'], registers: r });
  const verified = new client.Gauge({
    name: 'custos_audit_verify_last_success_timestamp_seconds',
    help: 'When each chain last verified intact (any verification: scheduled, manual, CLI)',
    labelNames: ['chain'],
    registers: r,
  });
  const held = new client.Gauge({ name: 'custos_quarantine_held', help: 'Quarantined payloads not yet reconciled, by age', labelNames: ['age_bucket'], registers: r });
  const buckets = [`under_${escalateMin}m`, `${escalateMin}m_to_1h`, '1h_to_24h', 'over_24h'];
  // Backups: exposed once the first backup (drill) exists, so "no series" means "never" rather
  // than a timestamp of 0 that an alert rule would read as 56 years overdue.
  let lastBackup: client.Gauge | null = null;
  let lastDrill: client.Gauge | null = null;
  addScrapeCollector(async () => {
    const [b] = await db.$queryRaw<Array<{ backup: Date | null; drill: Date | null }>>`
      SELECT (SELECT max(created_at) FROM backups WHERE status IN ('created', 'verified')) AS backup,
             (SELECT max(finished_at) FROM backup_drills WHERE ok) AS drill`;
    if (b.backup) {
      lastBackup ??= new client.Gauge({ name: 'custos_backup_last_success_timestamp_seconds', help: 'When the newest backup that is not failed or pruned was written', registers: r });
      lastBackup.set(b.backup.getTime() / 1000);
    }
    if (b.drill) {
      lastDrill ??= new client.Gauge({ name: 'custos_backup_drill_last_success_timestamp_seconds', help: 'When a restore drill last passed (chain and manifest head verified in a throwaway restore)', registers: r });
      lastDrill.set(b.drill.getTime() / 1000);
    }
  });
  addScrapeCollector(async () => {
    const heads = await db.auditChainHead.findMany({ select: { chainId: true, seq: true } });
    head.reset();
    verified.reset();
    for (const h of heads) {
      head.set({ chain: h.chainId }, Number(h.seq));
      const [v] = await db.$queryRaw<Array<{ at: Date }>>`
        SELECT occurred_at AS at FROM audit_events
        WHERE chain_id = ${h.chainId} AND action = 'audit.verify' AND new_value->>'ok' = 'true' ORDER BY seq DESC LIMIT 1`;
      if (v) verified.set({ chain: h.chainId }, v.at.getTime() / 1000);
    }
    // Counted in the database (the held set can be large): one row per bucket.
    const rows = await db.$queryRaw<Array<{ b: number; n: bigint }>>`
      SELECT CASE WHEN received_at > now() - make_interval(mins => ${escalateMin}) THEN 0
                  WHEN received_at > now() - interval '1 hour' THEN 1
                  WHEN received_at > now() - interval '24 hours' THEN 2 ELSE 3 END AS b, count(*) AS n
      FROM quarantine WHERE status = 'held' GROUP BY 1`;
    const counts = new Map(buckets.map((b) => [b, 0]));
    for (const x of rows) counts.set(buckets[x.b], Number(x.n));
    for (const [b, n] of counts) held.set({ age_bucket: b }, n);
  });
}
