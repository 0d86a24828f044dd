import { timingSafeEqual } from 'node:crypto';

/**
 * Who may scrape: with CUSTOS_METRICS_TOKEN set, a request carrying `Authorization: Bearer
 * <token>`; without it the web endpoint is off (404) and the worker's listens on loopback only.
 * A person's session grants nothing here.
 */
export function metricsRefusal(authorization: string | null, token = process.env.CUSTOS_METRICS_TOKEN): { status: 401 | 404; body: string } | null {
  if (!token) return { status: 404, body: 'Metrics are not enabled on this endpoint (set CUSTOS_METRICS_TOKEN)\n' };
  const given = Buffer.from(authorization ?? '');
  const want = Buffer.from(`Bearer ${token}`);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { status: 401, body: 'A bearer token is required\n' };
  return null;
}
