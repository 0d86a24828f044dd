import { getDb } from '@/lib/db/client';
import { registerDbGauges } from '@/lib/metrics/db-gauges';
import { metricsRefusal } from '@/lib/metrics/metrics-access';
import { scrapeMetrics } from '@/lib/metrics/registry';

export const dynamic = 'force-dynamic';

/** Prometheus exposition of the web process (sign-ins, HTTP ingestion) and of the database gauges. */
export async function GET(req: Request): Promise<Response> {
  const refused = metricsRefusal(req.headers.get('authorization'));
  if (refused) return new Response(refused.body, { status: refused.status, headers: { 'Cache-Control': 'no-store', ...(refused.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}) } });
  registerDbGauges(getDb());
  const { contentType, body } = await scrapeMetrics();
  return new Response(body, { headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store' } });
}
