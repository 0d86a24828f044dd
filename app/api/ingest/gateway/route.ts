import { handleGatewayPost } from '@/lib/ingest/gateway-endpoint';

export const dynamic = 'force-dynamic';

/**
 * POST /api/ingest/gateway — the seed 001 gateway sync {seq, canonical, sig, ts}; see
 * lib/ingest/gateway-endpoint.ts. 200 stored or duplicate (a retried sync stores nothing twice),
 * 401/403 refused before anything is stored, 413/415/422 quarantined with the reason, 429 over
 * a per-source limit (Retry-After, nothing stored), 503 database unreachable (retry).
 */
export function POST(req: Request): Promise<Response> {
  return handleGatewayPost(req);
}
