import { getDb } from '@/lib/db/client';
import { readBodyBounded } from '@/lib/http/read-body';
import { toErrorResponse } from '@/lib/http/error-response';
import { Ingestor } from '@/lib/ingest/ingestor';
import type { TInbound } from '@/lib/ingest/verify-inbound';

export const dynamic = 'force-dynamic';

const globalForIngest = globalThis as unknown as { custosIngestor?: Ingestor };
const LIMIT = Number(process.env.CUSTOS_INGEST_MAX_BYTES ?? 64 * 1024);

/** Media types accepted (CUSTOS_INGEST_HTTP_CONTENT_TYPES, comma-separated; `*` any). */
function contentTypes(): string[] {
  return (process.env.CUSTOS_INGEST_HTTP_CONTENT_TYPES || 'application/json').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

/** Payload formats accepted here (CUSTOS_INGEST_HTTP_FORMATS: `gateway` and/or `hmac`); the gateway sync by default. */
function formats(): Array<'ecdsa' | 'hmac'> {
  const names = (process.env.CUSTOS_INGEST_HTTP_FORMATS || 'gateway').split(',').map((s) => s.trim().toLowerCase());
  return [...(names.includes('gateway') ? (['ecdsa'] as const) : []), ...(names.includes('hmac') ? (['hmac'] as const) : [])];
}

const quarantined = (reason: string, status: number) => Response.json({ status: 'quarantined', reason }, { status, headers: { 'cache-control': 'no-store' } });

/**
 * POST /api/ingest/gateway — the seed 001 gateway sync: {seq, canonical, sig, ts}, checked
 * against the ECDSA key of the gateway that owns the sensor. No session: the signature is the
 * credential (terminate mTLS in front of it). 200 stored or duplicate (a retried sync stores
 * nothing twice); 422 with the reason when rejected. Everything refused is kept in quarantine —
 * a body over the size limit (413) as its first CUSTOS_INGEST_MAX_BYTES bytes with its length and
 * SHA-256, a body that is not `application/json` (415) as sent.
 */
export async function POST(req: Request) {
  try {
    const body = await readBodyBounded(req, LIMIT);
    globalForIngest.custosIngestor ??= new Ingestor(getDb());
    const ingestor = globalForIngest.custosIngestor;
    const inbound: TInbound = { source: 'http', topic: null, raw: body.bytes, receivedAt: new Date() };
    if (body.oversized) {
      const size = `${body.complete ? '' : 'at least '}${body.length} bytes`;
      await ingestor.quarantine(inbound, 'too_large', `body of ${size} is over the ${LIMIT}-byte limit; its first ${LIMIT} bytes are kept; SHA-256 of ${body.complete ? 'the whole body' : 'what was read'} ${body.sha256.toString('hex')}`, {
        bytes: body.length,
        sha256: body.sha256.toString('hex'),
        complete: body.complete,
      });
      return quarantined('too_large', 413);
    }
    const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const accepted = contentTypes();
    if (!accepted.includes('*') && !accepted.includes(type)) {
      await ingestor.quarantine(inbound, 'unsupported_media_type', `Content-Type ${type ? `"${type.slice(0, 100)}"` : 'missing'}; accepted: ${accepted.join(', ')}`);
      return quarantined('unsupported_media_type', 415);
    }
    const r = await ingestor.ingest([inbound], { formats: formats() });
    const v = r.verdicts[0];
    if (!v.ok) return quarantined(v.reason ?? 'rejected', 422);
    return Response.json({ status: r.stored ? 'stored' : 'duplicate', batchId: r.batchId }, { status: 200 });
  } catch (e) {
    return toErrorResponse(e);
  }
}
