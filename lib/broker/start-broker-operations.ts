import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { brokerControlConfig, type TBrokerControlConfig } from '@/lib/broker/dynsec-client';
import { BrokerLogSink, brokerChainId } from '@/lib/broker/broker-log-sink';
import { subscribeBrokerLog, tailBrokerLogFile } from '@/lib/broker/broker-log-sources';
import { reconcileBroker } from '@/lib/broker/reconcile-broker';
import type { TDb } from '@/lib/db/client';
import { getPgPool } from '@/lib/db/pg-pool';

/**
 * The worker's broker duties, beside ingestion and on connections of their own: the broker's
 * log into the broker chain (CUSTOS_BROKER_LOG: `topic`, `file` or `off`), its checkpoints, and
 * the drift reconciler (every CUSTOS_BROKER_RECONCILE_S, default 300). Needs the broker's
 * dynamic-security admin account (CUSTOS_BROKER_ADMIN_USERNAME); without it, only a log file
 * can be tailed.
 */
export async function startBrokerOperations(db: TDb, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): Promise<{ stop(): Promise<void>; sink: BrokerLogSink | null }> {
  const cfg: TBrokerControlConfig | null = brokerControlConfig(env);
  const mode = env.CUSTOS_BROKER_LOG || (env.CUSTOS_BROKER_LOG_FILE ? 'file' : cfg ? 'topic' : 'off');
  const stops: Array<() => Promise<void>> = [];
  let sink: BrokerLogSink | null = null;
  if (mode !== 'off') {
    sink = new BrokerLogSink(getPgPool(), { chainId: brokerChainId(), log });
    const s = sink;
    if (mode === 'file') {
      if (!env.CUSTOS_BROKER_LOG_FILE) throw new Error('CUSTOS_BROKER_LOG=file needs CUSTOS_BROKER_LOG_FILE');
      const tail = await tailBrokerLogFile(db, env.CUSTOS_BROKER_LOG_FILE, s, { log });
      stops.push(() => tail.close());
      log(`broker log: tailing ${env.CUSTOS_BROKER_LOG_FILE} into chain ${s.chainId}`);
    } else if (mode === 'topic') {
      if (!cfg) throw new Error('CUSTOS_BROKER_LOG=topic needs CUSTOS_BROKER_ADMIN_USERNAME (an account that may read $SYS/broker/log/#)');
      const sub = await subscribeBrokerLog(cfg, s, { log });
      stops.push(() => sub.close());
      log(`broker log: $SYS/broker/log/# into chain ${s.chainId}`);
    } else throw new Error(`CUSTOS_BROKER_LOG must be topic, file or off, not ${mode}`);
    stops.push(() => s.close());
    const cp = setInterval(() => {
      createCheckpoint(db, { chainId: s.chainId }).catch((e: Error) => log(`broker chain checkpoint failed: ${e.message}`));
    }, Number(env.CUSTOS_CHECKPOINT_INTERVAL_S || 300) * 1000);
    cp.unref();
    stops.push(async () => clearInterval(cp));
  }
  if (cfg && env.CUSTOS_BROKER_RECONCILE_S !== '0') {
    const every = Number(env.CUSTOS_BROKER_RECONCILE_S || 300) * 1000;
    const run = () =>
      reconcileBroker(db, cfg).then(
        (r) => !r.ok && log(`broker reconcile: ${r.error ?? r.differences.map((d) => `${d.subject} ${d.change}`).join('; ')}`),
        (e: Error) => log(`broker reconcile failed: ${e.message}`),
      );
    const first = setTimeout(() => void run(), 5000);
    const timer = setInterval(() => void run(), every);
    first.unref();
    timer.unref();
    stops.push(async () => {
      clearTimeout(first);
      clearInterval(timer);
    });
  }
  return {
    sink,
    async stop() {
      for (const s of stops.reverse()) await s().catch(() => undefined);
    },
  };
}
