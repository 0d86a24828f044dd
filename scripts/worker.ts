import '@/lib/config/check-at-start';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createDb } from '@/lib/db/client';
import { DatabaseUnreachableError, resolveDatabase } from '@/lib/db/resolve-database';
import { checkCommLoss } from '@/lib/ingest/check-comm-loss';
import { getPgPool } from '@/lib/db/pg-pool';
import { startJunkAuditFlusher } from '@/lib/ingest/junk-audit';
import { Ingestor } from '@/lib/ingest/ingestor';
import { AckAfterCommitSubscriber } from '@/lib/ingest/mqtt-subscriber';
import { startAlertJobs } from '@/lib/alerts/start-alert-jobs';
import { startBackupSchedule } from '@/lib/backup/start-backup-schedule';
import { startExportCompletionRetry } from '@/lib/audit/export/start-export-retry';
import { startChangeRequestExpiry } from '@/lib/change-requests/start-expiry-schedule';
import { startBrokerOperations } from '@/lib/broker/start-broker-operations';
import { serveWorkerMetrics } from '@/lib/metrics/serve-metrics';
import { logger } from '@/lib/log/logger';
import { checkpointPolicy, startCheckpointSigner } from '@/lib/audit/checkpoint-signer';
import { SUMMARY_EVERY_S, activitySummary, type TIngestTotals } from '@/lib/log/activity-summary';

// `npm run worker`: the MQTT ingest worker. Any number can run: with CUSTOS_MQTT_SHARE set they
// split the topics through a shared subscription ($share/<group>/<filter>).
const workerLog = logger('worker');
const log = (line: string) => workerLog.info(line);

export async function startWorker(env: NodeJS.ProcessEnv = process.env) {
  const url = env.MQTT_URL || 'mqtt://127.0.0.1:1883';
  const filters = (env.CUSTOS_MQTT_TOPICS || 'pharma/#').split(',').map((s) => s.trim()).filter(Boolean);
  const share = env.CUSTOS_MQTT_SHARE ?? '';
  const connections = Math.max(1, Number(env.CUSTOS_MQTT_CONNECTIONS || (share ? 4 : 1)));
  const protocolVersion = env.CUSTOS_MQTT_PROTOCOL === '5' ? 5 : 4;
  const qos = env.CUSTOS_MQTT_QOS === '2' ? 2 : 1;
  const clientBase = env.CUSTOS_MQTT_CLIENT_ID || `custos-worker-${os.hostname()}`;
  const tlsOpts =
    env.CUSTOS_MQTT_CA || env.CUSTOS_MQTT_CERT
      ? {
          ca: env.CUSTOS_MQTT_CA ? readFileSync(env.CUSTOS_MQTT_CA) : undefined,
          cert: env.CUSTOS_MQTT_CERT ? readFileSync(env.CUSTOS_MQTT_CERT) : undefined,
          key: env.CUSTOS_MQTT_KEY ? readFileSync(env.CUSTOS_MQTT_KEY) : undefined,
          rejectUnauthorized: true,
        }
      : undefined;
  if (connections > 1 && !share) throw new Error('CUSTOS_MQTT_CONNECTIONS > 1 needs CUSTOS_MQTT_SHARE (a shared subscription group)');

  const db = await resolveDatabase();
  const prisma = createDb(db.appUrl);
  const ingestor = new Ingestor(prisma);
  await ingestor.keys.load();
  const subs = Array.from({ length: connections }, (_, i) =>
    new AckAfterCommitSubscriber({
      url,
      clientId: connections > 1 ? `${clientBase}-${i}` : clientBase,
      filters: filters.map((f) => (share ? `$share/${share}/${f}` : f)),
      qos,
      protocolVersion,
      username: env.MQTT_USERNAME,
      password: env.MQTT_PASSWORD,
      tls: tlsOpts,
      maxBatch: Number(env.CUSTOS_INGEST_BATCH || 500),
      log,
      onBatch: async (msgs) => {
        await ingestor.ingest(msgs.map((m) => ({ source: 'mqtt' as const, topic: m.topic, raw: m.payload, receivedAt: m.receivedAt })));
      },
    }),
  );
  await Promise.all(subs.map((s) => s.start()));
  log(`consuming ${filters.join(', ')} from ${url} (MQTT ${protocolVersion === 5 ? '5' : '3.1.1'}, QoS ${qos}, ${connections} connection(s)${share ? `, shared group ${share}` : ''})`);
  const commLoss = setInterval(() => {
    checkCommLoss(prisma).catch((e) => log(`comm-loss check failed: ${(e as Error).message}`));
  }, Number(env.CUSTOS_COMM_LOSS_CHECK_S || 10) * 1000);
  // Gateway junk posted to a web server that stopped before its minute was audited.
  startJunkAuditFlusher(() => getPgPool(), 15, log);
  // A line a minute, and only for a minute in which something happened; errors are logged as they occur.
  let lastTotals: TIngestTotals = { received: 0, committed: 0, failures: 0 };
  const stats = setInterval(() => {
    const t = subs.reduce((a, s) => ({ received: a.received + s.stats.received, committed: a.committed + s.stats.committed, failures: a.failures + s.stats.failures }), { received: 0, committed: 0, failures: 0 });
    const summary = activitySummary(lastTotals, t);
    lastTotals = t;
    if (!summary || env.CUSTOS_WORKER_QUIET === '1') return;
    if (summary.level === 'warn') workerLog.warn(summary.line);
    else log(summary.line);
  }, SUMMARY_EVERY_S * 1000);
  stats.unref();
  // Operations beside ingestion, each on its own connections and timers.
  const metrics = await serveWorkerMetrics(prisma, { log });
  if (metrics.url) log(`metrics on ${metrics.url}`);
  const broker = await startBrokerOperations(prisma, env, log);
  const alerts = startAlertJobs(prisma, env, log);
  const backups = startBackupSchedule(prisma, { ownerUrl: db.ownerUrl, env, log });
  // Every long-running process takes part in checkpointing (one signer at a time per chain).
  const checkpoints = startCheckpointSigner(prisma, { policy: checkpointPolicy(env), log });
  const crExpiry = startChangeRequestExpiry(prisma, { env, log });
  const exportRetry = startExportCompletionRetry(prisma, { env, log });
  return {
    subs,
    async stop() {
      clearInterval(commLoss);
      clearInterval(stats);
      checkpoints.stop();
      await Promise.all([alerts.stop(), backups.stop(), crExpiry.stop(), exportRetry.stop(), broker.stop(), metrics.close()]);
      await Promise.all(subs.map((s) => s.stop()));
      const committed = subs.reduce((a, s) => a + s.stats.committed, 0);
      log(`stopped: committed ${committed} message(s) in ${subs.reduce((a, s) => a + s.stats.batches, 0)} batch(es)`);
      await prisma.$disconnect();
      await db.close();
    },
  };
}

if (process.argv[1] && /worker\.ts$/.test(process.argv[1])) {
  startWorker().then(
    (w) => {
      const stop = async () => {
        log('stopping');
        await w.stop();
        process.exit(0);
      };
      process.on('SIGINT', () => void stop());
      process.on('SIGTERM', () => void stop());
    },
    (e: unknown) => {
      console.error(`worker: ${e instanceof DatabaseUnreachableError ? (e as Error).message : `start failed: ${(e as Error).message}`}`);
      process.exit(1);
    },
  );
}
