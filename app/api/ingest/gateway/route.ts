import { getDb } from '@/lib/db/client';
import { readBodyBytes } from '@/lib/http/read-body';
import { toErrorResponse } from '@/lib/http/error-response';
import { Ingestor } from '@/lib/ingest/ingestor';

export const dynamic = 'force-dynamic';

const globalForIngest = globalThis as unknown as { custosIngestor?: Ingestor };
const LIMIT = Number(process.env.CUSTOS_INGEST_MAX_BYTES ?? 64 * 1024);

/**
 * POST /api/ingest/gateway — the seed 001 gateway sync: {seq, canonical, sig, ts}, checked
 * against the ECDSA key of the gateway that owns the sensor. No session: the signature is the
 * credential (terminate mTLS in front of it). 200 stored or duplicate (a retried sync stores
 * nothing twice); 422 with the reason when rejected — and then it is kept in quarantine.
 */
export async function POST(req: Request) {
  try {
    const raw = await readBodyBytes(req, LIMIT);
    globalForIngest.custosIngestor ??= new Ingestor(getDb());
    const r = await globalForIngest.custosIngestor.ingest([{ source: 'http', topic: null, raw, receivedAt: new Date() }]);
    const v = r.verdicts[0];
    if (!v.ok) return Response.json({ status: 'quarantined', reason: v.reason }, { status: 422 });
    return Response.json({ status: r.stored ? 'stored' : 'duplicate', batchId: r.batchId }, { status: 200 });
  } catch (e) {
    return toErrorResponse(e);
  }
}
