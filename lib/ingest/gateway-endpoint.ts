import { createHash } from 'node:crypto';
import { config, type TConfig } from '@/lib/config/env';
import { getDb } from '@/lib/db/client';
import { getPgPool, isConnectionError } from '@/lib/db/pg-pool';
import { clientAddress } from '@/lib/http/client-address';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBodyBounded, readNodeBodyBounded, type TBoundedBody } from '@/lib/http/read-body';
import { toErrorResponse } from '@/lib/http/error-response';
import { SourceQuota, type TQuotaVerdict } from '@/lib/ingest/gateway-quota';
import { GroupCommitter, type TGroupAnswer } from '@/lib/ingest/group-commit';
import { CommitThread } from '@/lib/ingest/commit-thread';
import { Ingestor, observeVerdicts, type TIngestResult } from '@/lib/ingest/ingestor';
import { startJunkAuditFlusher } from '@/lib/ingest/junk-audit';
import { gatewayRefusals } from '@/lib/metrics/api-metrics';
import type { TInbound, TRejected, TVerdict } from '@/lib/ingest/verify-inbound';
import { authenticateTransport, type TTransportIdentity } from '@/lib/ingest/gateway-transport';

// POST /api/ingest/gateway — the seed 001 gateway sync {seq, canonical, sig, ts}. In order:
//   1. who sends it, per CUSTOS_GATEWAY_AUTH: `signature` (the reading's own ECDSA signature is
//      the credential), `token` (a service token with scope telemetry.ingest bound to a gateway)
//      or `mtls-header` (the client certificate a TLS terminator vouches for). A request that
//      fails a transport check is refused 401 before its body is read: nothing is stored.
//   2. per-source limits (lib/ingest/gateway-quota.ts): 429 with Retry-After, nothing stored.
//   3. the body: bounded, media type, strict JSON, the signature over the exact canonical bytes.
//   4. store: accepted readings and authenticated rejections through the group committer (one
//      transaction, one audit event per group) — or one transaction per post with
//      CUSTOS_GATEWAY_GROUP_COMMIT=off; unauthenticated junk sealed in quarantine and audited per
//      address and minute (lib/ingest/junk-audit.ts). Each post is answered after its commit.

/** Rejections that can only happen after the signature verified: the sender is known. */
const AUTHENTICATED_REJECTIONS = new Set(['value_out_of_range', 'format_not_accepted', 'topic_not_allowed']);

interface TState {
  ingestor: Ingestor;
  thread: CommitThread | null;
  committer: GroupCommitter;
  quota: SourceQuota;
  key: string;
}
const g = globalThis as unknown as { custosGateway?: TState };

/** A group's one transaction: on the commit thread when it runs, else here. */
function groupStore(ingestor: Ingestor, thread: CommitThread | null) {
  return async (verdicts: TVerdict[]): Promise<TIngestResult> => {
    if (thread?.usable) {
      try {
        const { result, commitSeconds } = await thread.store(verdicts, ingestor.keys.loadedAtMs);
        observeVerdicts(verdicts, result, commitSeconds);
        return result;
      } catch (e) {
        // A thread that could not start: this group is committed here. Any other failure is the group's.
        if (thread.usable) throw e;
        if ((e as { code?: string }).code === 'ECONNRESET') throw e;
      }
    }
    return ingestor.storeVerdicts(verdicts);
  };
}

function state(cfg: TConfig): TState {
  const key = `${cfg.CUSTOS_GATEWAY_GROUP_WINDOW_MS}/${cfg.CUSTOS_GATEWAY_GROUP_MAX}/${cfg.CUSTOS_GATEWAY_GROUP_PARALLEL}/${cfg.CUSTOS_GATEWAY_COMMIT_THREAD}`;
  if (!g.custosGateway || g.custosGateway.key !== key) {
    const ingestor = g.custosGateway?.ingestor ?? new Ingestor(getDb());
    const thread = cfg.CUSTOS_GATEWAY_COMMIT_THREAD === 'on' ? (g.custosGateway?.thread ?? new CommitThread()) : null;
    g.custosGateway = {
      ingestor,
      thread,
      committer: new GroupCommitter(groupStore(ingestor, thread), { windowMs: cfg.CUSTOS_GATEWAY_GROUP_WINDOW_MS, maxGroup: cfg.CUSTOS_GATEWAY_GROUP_MAX, parallel: cfg.CUSTOS_GATEWAY_GROUP_PARALLEL }),
      quota: g.custosGateway?.quota ?? new SourceQuota(),
      key,
    };
    // Started at boot by instrumentation.ts (windows left by an earlier process are audited
    // even if no post comes); here for a process that serves the endpoint without it (the
    // route handler in tests). Once per process either way.
    startJunkAuditFlusher(getPgPool());
  }
  return g.custosGateway;
}

// The variables this endpoint reads: the whole configuration is parsed again only when one of
// them changed (config() compares every variable, which would cost more than a verification).
const ENDPOINT_VARIABLES = [
  'CUSTOS_GATEWAY_AUTH',
  'CUSTOS_GATEWAY_CERT_HEADER',
  'CUSTOS_GATEWAY_RATE',
  'CUSTOS_GATEWAY_JUNK_RATE',
  'CUSTOS_GATEWAY_QUARANTINE_BYTES_PER_HOUR',
  'CUSTOS_GATEWAY_GROUP_COMMIT',
  'CUSTOS_GATEWAY_GROUP_WINDOW_MS',
  'CUSTOS_GATEWAY_GROUP_MAX',
  'CUSTOS_GATEWAY_GROUP_PARALLEL',
  'CUSTOS_GATEWAY_COMMIT_THREAD',
  'CUSTOS_INGEST_MAX_BYTES',
  'CUSTOS_INGEST_HTTP_CONTENT_TYPES',
  'CUSTOS_INGEST_HTTP_FORMATS',
  'CUSTOS_TRUSTED_PROXIES',
] as const;
let cfgMemo: { key: string; cfg: TConfig } | null = null;
function endpointConfig(): TConfig {
  let key = '';
  for (const k of ENDPOINT_VARIABLES) key += `${process.env[k] ?? '\u0000'}\u0001`;
  if (cfgMemo?.key !== key) cfgMemo = { key, cfg: config() };
  return cfgMemo.cfg;
}

/** Media types accepted (CUSTOS_INGEST_HTTP_CONTENT_TYPES, comma-separated; `*` any). */
function contentTypes(cfg: TConfig): string[] {
  return (cfg.CUSTOS_INGEST_HTTP_CONTENT_TYPES || 'application/json').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

/** Payload formats accepted here (CUSTOS_INGEST_HTTP_FORMATS: `gateway` and/or `hmac`); the gateway sync by default. */
function formats(cfg: TConfig): Array<'ecdsa' | 'hmac'> {
  const names = (cfg.CUSTOS_INGEST_HTTP_FORMATS || 'gateway').split(',').map((s) => s.trim().toLowerCase());
  return [...(names.includes('gateway') ? (['ecdsa'] as const) : []), ...(names.includes('hmac') ? (['hmac'] as const) : [])];
}

export interface TGatewayAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}
const answer = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): TGatewayAnswer => ({ status, body, headers });

function throttled(q: Extract<TQuotaVerdict, { ok: false }>, source: string): TGatewayAnswer {
  gatewayRefusals().inc({ reason: q.reason });
  const what = q.reason === 'rate' ? 'Too many requests from this source' : 'This source has used its quarantine allowance for the hour';
  return answer(429, { status: 'throttled', reason: q.reason, source, message: `${what}; nothing was stored — retry after ${q.retryAfterS} s` }, { 'retry-after': String(q.retryAfterS) });
}

/** As a Next.js route handler (app/api/ingest/gateway/route.ts). */
export async function handleGatewayPost(req: Request): Promise<Response> {
  try {
    const a = await gatewayPost((n) => req.headers.get(n), (limit) => readBodyBounded(req, limit));
    return Response.json(a.body, { status: a.status, headers: { 'cache-control': 'no-store', ...a.headers } });
  } catch (e) {
    return toErrorResponse(e);
  }
}

// The answer of the Node server's own path carries the headers next.config.ts gives every response.
const NODE_HEADERS = {
  'content-type': 'application/json',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The same on the Node server itself (lib/http/node-server-guard.ts), before Next.js routing:
 * the gateway endpoint is the hot path, and Next's request pipeline (routing, the proxy, web
 * streams) costs several times what verifying and storing a reading does.
 */
export async function handleGatewayNode(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let a: TGatewayAnswer;
  try {
    a = await gatewayPost(
      (n) => {
        const v = req.headers[n.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
      },
      (limit) => readNodeBodyBounded(req, limit),
    );
  } catch (e) {
    const r = toErrorResponse(e);
    a = { status: r.status, body: (await r.json()) as Record<string, unknown>, headers: {} };
  }
  const text = JSON.stringify(a.body);
  res.writeHead(a.status, { ...NODE_HEADERS, ...a.headers, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The endpoint itself, whoever serves it: `header` reads a request header, `readBody` the body
 * (read only once the sender passed the transport checks).
 */
export async function gatewayPost(header: (name: string) => string | null, readBody: (limit: number) => Promise<TBoundedBody>): Promise<TGatewayAnswer> {
  const cfg = endpointConfig();
  const s = state(cfg);
  const address = clientAddress(header('x-forwarded-for'));
  const junkSource = `address:${address ?? 'unknown'}`;
  const junkRate = () => s.quota.take(junkSource, cfg.CUSTOS_GATEWAY_JUNK_RATE, Math.max(20, 4 * cfg.CUSTOS_GATEWAY_JUNK_RATE));

  // 1. The transport identity, before the body is read (token and mtls-header modes).
  let transport: TTransportIdentity | null = null;
  if (cfg.CUSTOS_GATEWAY_AUTH !== 'signature') {
    const t = await authenticateTransport(header, cfg, s.ingestor.keys, address);
    if (!t.ok) {
      gatewayRefusals().inc({ reason: 'auth' });
      // Failed authentications spend the address's junk allowance: a prober is slowed down.
      const q = junkRate();
      if (!q.ok) return throttled(q, junkSource);
      return answer(t.status, { status: 'refused', reason: t.reason, message: t.message }, t.headers);
    }
    transport = t.identity;
    const q = s.quota.take(`gateway:${transport.gatewayId}`, cfg.CUSTOS_GATEWAY_RATE, 2 * cfg.CUSTOS_GATEWAY_RATE);
    if (!q.ok) return throttled(q, `gateway:${transport.gatewayId}`);
  }

  // 2–3. The body.
  const limit = cfg.CUSTOS_INGEST_MAX_BYTES;
  const body = await readBody(limit);
  const inbound: TInbound = { source: 'http', topic: null, raw: body.bytes, receivedAt: new Date() };
  let verdict: TVerdict;
  let refusedStatus = 422;
  if (body.oversized) {
    const size = `${body.complete ? '' : 'at least '}${body.length} bytes`;
    verdict = rejection(inbound, 'too_large', `body of ${size} is over the ${limit}-byte limit; its first ${limit} bytes are kept; SHA-256 of ${body.complete ? 'the whole body' : 'what was read'} ${body.sha256.toString('hex')}`, {
      received: { bytes: body.length, sha256: body.sha256.toString('hex'), complete: body.complete },
    });
    refusedStatus = 413;
  } else {
    const type = (header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    const accepted = contentTypes(cfg);
    if (!accepted.includes('*') && !accepted.includes(type)) {
      verdict = rejection(inbound, 'unsupported_media_type', `Content-Type ${type ? `"${type.slice(0, 100)}"` : 'missing'}; accepted: ${accepted.join(', ')}`);
      refusedStatus = 415;
    } else {
      [verdict] = await s.ingestor.verifyMessages([inbound], { formats: formats(cfg) });
    }
  }

  // Who the body says it is, and whether that is proven.
  if (verdict.ok) {
    const gatewayId = verdict.reading.deviceId;
    if (transport && transport.gatewayId !== gatewayId) {
      gatewayRefusals().inc({ reason: 'gateway_mismatch' });
      verdict = rejection(inbound, 'gateway_mismatch', `signed by gateway ${gatewayId}, sent with the credentials of gateway ${transport.gatewayId} (${transport.via})`, { deviceHint: gatewayId });
      refusedStatus = 403;
    } else if (!transport) {
      const q = s.quota.take(`gateway:${gatewayId}`, cfg.CUSTOS_GATEWAY_RATE, 2 * cfg.CUSTOS_GATEWAY_RATE);
      if (!q.ok) return throttled(q, `gateway:${gatewayId}`);
    }
  }
  if (!verdict.ok) {
    const authenticated = transport !== null || AUTHENTICATED_REJECTIONS.has(verdict.rejected.reason);
    const source = transport ? `gateway:${transport.gatewayId}` : authenticated && verdict.rejected.deviceHint ? `gateway:${verdict.rejected.deviceHint}` : junkSource;
    if (!authenticated) {
      const q = junkRate();
      if (!q.ok) return throttled(q, junkSource);
    }
    const bytes = s.quota.reserveQuarantine(source, inbound.raw.length, cfg.CUSTOS_GATEWAY_QUARANTINE_BYTES_PER_HOUR);
    if (!bytes.ok) return throttled(bytes, source);
    verdict = { ok: false, rejected: { ...verdict.rejected, sourceAddress: address, aggregate: !authenticated } };
  }

  // 4. Store, answer after commit.
  let a: TGroupAnswer;
  try {
    if (cfg.CUSTOS_GATEWAY_GROUP_COMMIT === 'on') a = await s.committer.submit(verdict);
    else {
      const r = await s.ingestor.storeVerdicts([verdict]);
      a = { verdict: r.verdicts[0], batchId: r.batchId, groupSize: 1 };
    }
  } catch (e) {
    if (!isConnectionError(e)) throw e;
    return answer(503, { status: 'unavailable', message: 'The database is not reachable; nothing was stored — retry' }, { 'retry-after': '1' });
  }
  if (!a.verdict.ok) return answer(refusedStatus, { status: 'quarantined', reason: a.verdict.reason });
  return answer(200, { status: a.verdict.stored ? 'stored' : 'duplicate', batchId: a.verdict.stored ? a.batchId : null });
}

function rejection(inbound: TInbound, reason: string, detail: string, extra: Partial<TRejected> = {}): TVerdict {
  return { ok: false, rejected: { inbound, reason, detail: detail.slice(0, 500), deviceHint: null, rawSha256: createHash('sha256').update(inbound.raw).digest(), ...extra } };
}

/** Stops this process's commit thread (later groups are committed on the main thread). */
export async function stopGatewayCommitThread(): Promise<void> {
  await g.custosGateway?.thread?.close();
}

/** Whether this process commits gateway groups on the commit thread (for tests and the health page). */
export function gatewayCommitsOnThread(): boolean {
  return g.custosGateway?.thread?.usable === true && g.custosGateway.thread.started;
}
