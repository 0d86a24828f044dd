import http from 'node:http';
import type { TDb } from '@/lib/db/client';
import { registerDbGauges } from '@/lib/metrics/db-gauges';
import { metricsRefusal } from '@/lib/metrics/metrics-access';
import { scrapeMetrics } from '@/lib/metrics/registry';

/**
 * The worker's own metrics endpoint: `GET /metrics` on CUSTOS_WORKER_METRICS_ADDR (default
 * 127.0.0.1:9464, `off` to disable). On loopback no token is asked; on any other address
 * CUSTOS_METRICS_TOKEN is required. A port in use is reported, not fatal: ingestion matters more.
 */
export async function serveWorkerMetrics(db: TDb, opts: { addr?: string; log?: (line: string) => void } = {}): Promise<{ url: string | null; close(): Promise<void> }> {
  const addr = opts.addr ?? process.env.CUSTOS_WORKER_METRICS_ADDR ?? '127.0.0.1:9464';
  const log = opts.log ?? (() => undefined);
  if (addr === 'off') return { url: null, close: async () => undefined };
  const i = addr.lastIndexOf(':');
  const host = i > 0 ? addr.slice(0, i) : '127.0.0.1';
  const port = Number(i >= 0 ? addr.slice(i + 1) : addr);
  const loopback = host === '127.0.0.1' || host === '::1' || host === 'localhost';
  if (!loopback && !process.env.CUSTOS_METRICS_TOKEN) throw new Error(`CUSTOS_WORKER_METRICS_ADDR ${addr} is not loopback: set CUSTOS_METRICS_TOKEN`);
  registerDbGauges(db);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('Not found\n');
      return;
    }
    const refused = loopback && !process.env.CUSTOS_METRICS_TOKEN ? null : metricsRefusal(req.headers.authorization ?? null);
    if (refused) {
      res.writeHead(refused.status, refused.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}).end(refused.body);
      return;
    }
    scrapeMetrics().then(
      ({ contentType, body }) => res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body),
      (e: Error) => res.writeHead(500).end(`${e.message}\n`),
    );
  });
  const url = await new Promise<string | null>((resolve) => {
    server.once('error', (e) => {
      log(`metrics endpoint ${addr} not started: ${e.message}`);
      resolve(null);
    });
    server.listen(port, host, () => {
      const a = server.address() as { port: number };
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${a.port}/metrics`);
    });
  });
  return { url, close: () => new Promise((r) => (url ? server.close(() => r()) : r())) };
}
