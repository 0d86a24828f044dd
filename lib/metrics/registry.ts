import client, { type Registry } from 'prom-client';

// One registry per process, on globalThis: Next.js loads route bundles separately, and each
// would otherwise build its own registry and count alone. Names and labels are an interface
// (dashboards and alert rules use them): no device ids or other unbounded values as labels.

export interface TCustosMetrics {
  registry: Registry;
  received: client.Counter;
  stored: client.Counter;
  duplicates: client.Counter;
  quarantined: client.Counter<'reason'>;
  commitSeconds: client.Histogram;
  lagSeconds: client.Histogram;
  signinFailures: client.Counter<'reason'>;
  brokerLogLines: client.Counter<'source'>;
  brokerClients: client.Gauge;
  brokerMessagesPerSecond: client.Gauge<'direction'>;
  brokerStoredMessages: client.Gauge;
  brokerSysAge: client.Gauge;
}

const globalForMetrics = globalThis as unknown as { custosMetrics?: TCustosMetrics; custosMetricsCollectors?: Array<() => Promise<void>> };

export function getMetrics(): TCustosMetrics {
  if (globalForMetrics.custosMetrics) return globalForMetrics.custosMetrics;
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'custos_process_' });
  const r = [registry];
  const m: TCustosMetrics = {
    registry,
    received: new client.Counter({ name: 'custos_telemetry_messages_received_total', help: 'Telemetry messages received (MQTT and HTTP), before verification', registers: r }),
    stored: new client.Counter({ name: 'custos_telemetry_messages_stored_total', help: 'Readings committed to the telemetry table (replays not counted)', registers: r }),
    duplicates: new client.Counter({ name: 'custos_telemetry_messages_duplicate_total', help: 'Verified readings already stored (replays), acknowledged without a new row', registers: r }),
    quarantined: new client.Counter({ name: 'custos_telemetry_messages_quarantined_total', help: 'Messages sealed in quarantine, by reason', labelNames: ['reason'], registers: r }),
    commitSeconds: new client.Histogram({
      name: 'custos_ingest_commit_seconds',
      help: 'Time to commit one ingest batch (readings, quarantine, audit event)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: r,
    }),
    lagSeconds: new client.Histogram({
      name: 'custos_ingest_lag_seconds',
      help: 'Device time to commit, per verified reading of a committed batch, replays included (URS: < 2 s for monitoring data); late buffered data lands in the top buckets',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 60, 600, 3600],
      registers: r,
    }),
    signinFailures: new client.Counter({ name: 'custos_signin_failures_total', help: 'Refused sign-ins, by reason', labelNames: ['reason'], registers: r }),
    brokerLogLines: new client.Counter({ name: 'custos_broker_log_lines_total', help: 'Broker log lines appended to the broker audit chain, by source', labelNames: ['source'], registers: r }),
    brokerClients: new client.Gauge({ name: 'custos_broker_clients_connected', help: 'Clients connected to the broker ($SYS/broker/clients/connected)', registers: r }),
    brokerMessagesPerSecond: new client.Gauge({
      name: 'custos_broker_messages_per_second',
      help: 'Broker message rate, 1-minute average ($SYS/broker/load/messages/+/1min ÷ 60)',
      labelNames: ['direction'],
      registers: r,
    }),
    brokerStoredMessages: new client.Gauge({ name: 'custos_broker_messages_stored', help: 'Messages held by the broker, queued and retained ($SYS/broker/store/messages/count)', registers: r }),
    brokerSysAge: new client.Gauge({ name: 'custos_broker_sys_last_update_timestamp_seconds', help: 'When the broker last published its $SYS figures', registers: r }),
  };
  globalForMetrics.custosMetrics = m;
  return m;
}

/** Registers a function that refreshes gauges read from the database, run before each scrape. */
export function addScrapeCollector(fn: () => Promise<void>): void {
  (globalForMetrics.custosMetricsCollectors ??= []).push(fn);
}

/** The exposition text, after every collector has refreshed its gauges. */
export async function scrapeMetrics(): Promise<{ contentType: string; body: string }> {
  const m = getMetrics();
  await Promise.all((globalForMetrics.custosMetricsCollectors ?? []).map((fn) => fn().catch(() => undefined)));
  return { contentType: m.registry.contentType, body: await m.registry.metrics() };
}
