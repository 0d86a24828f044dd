import { open, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { TDb } from '@/lib/db/client';
import type { TBrokerControlConfig } from '@/lib/broker/dynsec-client';
import type { BrokerLogSink } from '@/lib/broker/broker-log-sink';
import { getMetrics } from '@/lib/metrics/registry';

const SYS_GAUGES = ['$SYS/broker/clients/connected', '$SYS/broker/load/messages/received/1min', '$SYS/broker/load/messages/sent/1min', '$SYS/broker/store/messages/count'];

/**
 * The broker's log as it publishes it (`log_dest topic`: `$SYS/broker/log/#`), and its `$SYS`
 * figures for the metrics. The broker publishes its log at QoS 0 and only to connected
 * subscribers: lines written while this connection is down are not seen (the log file source
 * has no such gap). Debug lines — which is where Mosquitto reports a refused publish — never go
 * to topics.
 */
export async function subscribeBrokerLog(cfg: TBrokerControlConfig, sink: BrokerLogSink, opts: { log?: (line: string) => void } = {}): Promise<{ client: MqttClient; close(): Promise<void> }> {
  const m = getMetrics();
  const client = mqtt.connect(cfg.url, {
    username: cfg.username,
    password: cfg.password,
    protocolVersion: 5,
    clientId: `custos-broker-log-${randomUUID().slice(0, 8)}`,
    clean: true,
    reconnectPeriod: 2000,
    ...(cfg.tls ? { ...cfg.tls, rejectUnauthorized: true } : {}),
  });
  client.on('error', (e) => opts.log?.(`broker log connection: ${e.message}`));
  client.on('connect', () => {
    client.subscribe(['$SYS/broker/log/#', ...SYS_GAUGES], { qos: 0 }, (err) => err && opts.log?.(`broker log subscription refused: ${err.message}`));
  });
  client.on('message', (topic, payload) => {
    if (topic.startsWith('$SYS/broker/log/')) {
      sink.push({ topic, payload: payload.toString('utf8'), source: 'topic' });
      return;
    }
    const v = Number(payload.toString('utf8'));
    if (!Number.isFinite(v)) return;
    m.brokerSysAge.set(Date.now() / 1000);
    if (topic.endsWith('/clients/connected')) m.brokerClients.set(v);
    else if (topic.endsWith('/received/1min')) m.brokerMessagesPerSecond.set({ direction: 'received' }, v / 60);
    else if (topic.endsWith('/sent/1min')) m.brokerMessagesPerSecond.set({ direction: 'sent' }, v / 60);
    else if (topic.endsWith('/store/messages/count')) m.brokerStoredMessages.set(v);
  });
  await new Promise<void>((resolve) => {
    const t = setTimeout(resolve, 5000);
    client.once('connect', () => {
      clearTimeout(t);
      resolve();
    });
  });
  return { client, close: () => client.endAsync(true).catch(() => undefined) };
}

/**
 * Tails a broker log file (`log_dest file …`): every complete line, from where the broker chain
 * left off (broker_log_offsets). A file that was replaced (rotation: another inode) or shrank is
 * read from its start.
 */
export async function tailBrokerLogFile(db: TDb, file: string, sink: BrokerLogSink, opts: { pollMs?: number; log?: (line: string) => void } = {}): Promise<{ close(): Promise<void>; poll(): Promise<void> }> {
  const source = `file:${file}`;
  const saved = await db.brokerLogOffset.findUnique({ where: { source }, select: { fileId: true, offset: true } });
  let fileId = saved?.fileId ?? '';
  let offset = saved?.offset ?? 0n;
  let partial = Buffer.alloc(0);
  let stopped = false;
  let running: Promise<void> | null = null;
  const poll = async () => {
    const st = await stat(file, { bigint: true }).catch(() => null);
    if (!st) return;
    const id = `${st.dev}:${st.ino}`;
    if (id !== fileId || st.size < offset) {
      fileId = id;
      offset = 0n;
      partial = Buffer.alloc(0);
    }
    if (st.size <= offset + BigInt(partial.length)) return;
    const fh = await open(file, 'r');
    try {
      let pos = offset + BigInt(partial.length);
      const buf = Buffer.alloc(64 * 1024);
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, Number(pos));
        if (bytesRead === 0) break;
        pos += BigInt(bytesRead);
        let data = Buffer.concat([partial, buf.subarray(0, bytesRead)]);
        let nl: number;
        while ((nl = data.indexOf(0x0a)) >= 0) {
          const line = data.subarray(0, nl).toString('utf8');
          offset += BigInt(nl + 1);
          data = data.subarray(nl + 1);
          if (line.trim()) sink.push({ topic: null, payload: line, source, after: { fileId, offset } });
        }
        partial = Buffer.from(data);
      }
    } finally {
      await fh.close();
    }
  };
  const loop = async () => {
    while (!stopped) {
      running = poll().catch((e: Error) => opts.log?.(`broker log file ${file}: ${e.message}`));
      await running;
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
    }
  };
  void loop();
  return {
    poll: async () => {
      await running;
      await poll();
    },
    close: async () => {
      stopped = true;
      await running;
    },
  };
}
