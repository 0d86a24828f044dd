import { createHash } from 'node:crypto';
import type { DeviceKeyStore } from '@/lib/ingest/key-store';
import { topicAllowed } from '@/lib/ingest/topic-match';
import { verifyGatewayPayload } from '@/lib/ingest/verify-gateway-payload';
import { verifyHmacPayload } from '@/lib/ingest/verify-hmac-payload';

// One inbound message → an accepted reading or a rejection that goes to quarantine.

export interface TInbound {
  source: 'mqtt' | 'http';
  topic: string | null;
  raw: Buffer;
  receivedAt: Date;
}

export interface TAcceptedReading {
  inbound: TInbound;
  format: 'hmac' | 'ecdsa';
  deviceId: string;
  sensorId: string | null;
  keyVersion: number | null;
  gatewaySeq: bigint | null;
  valueText: string;
  unit: string;
  deviceTs: string;
  rawSha256: Buffer;
  /** Idempotency: (device, canonical hash) for seed 000, (gateway, canonical hash) for seed 001. */
  dedupKey: Buffer;
}

export interface TRejected {
  inbound: TInbound;
  reason: string;
  detail: string;
  deviceHint: string | null;
  rawSha256: Buffer;
  /** When only a prefix of what was received is kept (an oversized HTTP body): the whole of it. */
  received?: { bytes: number; sha256: string; complete: boolean };
  /** The client address of an HTTP body (CUSTOS_TRUSTED_PROXIES applied). */
  sourceAddress?: string | null;
  /**
   * Unauthenticated junk over HTTP: sealed like every rejection, but audited with the other junk
   * of its source address and minute in one event (lib/ingest/junk-audit.ts), not one event each.
   */
  aggregate?: boolean;
}

export type TVerdict = { ok: true; reading: TAcceptedReading } | { ok: false; rejected: TRejected };

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest();

/**
 * Seed 000 payloads always carry the key "payload_version"; seed 001 bodies carry "canonical"
 * and "sig" and never "payload_version" as a key (inside their canonical string its quotes are
 * escaped, so the unescaped token cannot appear).
 */
function looksLikeGatewayBody(raw: Buffer): boolean {
  return !raw.includes('"payload_version"') && raw.includes('"canonical"') && raw.includes('"sig"');
}

/**
 * The value as the double precision the reading is stored and compared in, or null when the
 * exact text has no such value: beyond ±1.8e308 (Python writes 10**400 as a 401-digit integer;
 * JavaScript makes it Infinity) or a non-zero value so small it would become 0.
 */
export function storedValue(text: string): number | null {
  const v = Number(text);
  if (!Number.isFinite(v)) return null;
  if (v === 0 && /[1-9]/.test(text.replace(/[eE].*$/, ''))) return null;
  return v;
}

/**
 * Text taken from a payload (a device id, a parser's message) as PostgreSQL text can hold it: a
 * NUL (written as \u0000 in JSON) is refused by every text column, so it is written out as the
 * six characters \u0000. The sealed raw bytes keep the original.
 */
export function storableText(s: string): string {
  return s.replace(/\u0000/g, '\\u0000');
}

function describeValue(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}… (${text.length} characters)` : text;
}

export function verifyInbound(msg: TInbound, keys: DeviceKeyStore, opts: { maxBytes?: number } = {}): TVerdict {
  const rawSha256 = sha256(msg.raw);
  const reject = (reason: string, detail: string, deviceHint: string | null = null): TVerdict => ({
    ok: false,
    rejected: { inbound: msg, reason, detail: storableText(detail).slice(0, 500), deviceHint: deviceHint === null ? null : storableText(deviceHint).slice(0, 200), rawSha256 },
  });
  const parse = { maxBytes: opts.maxBytes };
  if (looksLikeGatewayBody(msg.raw)) {
    const r = verifyGatewayPayload({ raw: msg.raw, lookupKey: (s) => keys.gatewayFor(s), parse });
    if (!r.ok) return reject(r.reason, r.detail, r.sensorId ?? null);
    if (msg.topic && !topicAllowed(keys.device(r.gatewayId)?.allowedTopics ?? [], msg.topic)) {
      return reject('topic_not_allowed', `gateway ${r.gatewayId} may not publish on ${msg.topic}`, r.gatewayId);
    }
    if (storedValue(r.reading.valueText) === null) {
      return reject('value_out_of_range', `value ${describeValue(r.reading.valueText)} does not fit double precision; the exact text is kept`, r.gatewayId);
    }
    return {
      ok: true,
      reading: {
        inbound: msg,
        format: 'ecdsa',
        deviceId: r.gatewayId,
        sensorId: r.sensorId,
        keyVersion: null,
        gatewaySeq: r.seq,
        valueText: r.reading.valueText,
        unit: r.reading.unit,
        deviceTs: r.reading.timestampUtc,
        rawSha256,
        // (gateway, SHA-256 of the signed canonical text): seq is not covered by the signature, so
        // a captured body resent with another seq is the same reading, stored once. seq is kept
        // as transport metadata (gaps are flagged per gateway when stored).
        dedupKey: sha256(`ecdsa\u0000${r.gatewayId}\u0000${r.canonicalHash}`),
      },
    };
  }
  const r = verifyHmacPayload({ raw: msg.raw, lookupKey: (d, v) => keys.hmacKey(d, v), parse });
  if (!r.ok) return reject(r.reason, r.detail, r.deviceId ?? null);
  if (msg.topic && !topicAllowed(keys.device(r.deviceId)?.allowedTopics ?? [], msg.topic)) {
    return reject('topic_not_allowed', `device ${r.deviceId} may not publish on ${msg.topic}`, r.deviceId);
  }
  if (storedValue(r.reading.valueText) === null) {
    return reject('value_out_of_range', `value ${describeValue(r.reading.valueText)} does not fit double precision; the exact text is kept`, r.deviceId);
  }
  return {
    ok: true,
    reading: {
      inbound: msg,
      format: 'hmac',
      deviceId: r.deviceId,
      sensorId: null,
      keyVersion: r.keyVersion,
      gatewaySeq: null,
      valueText: r.reading.valueText,
      unit: r.reading.unit,
      deviceTs: r.reading.timestampUtc,
      rawSha256,
      dedupKey: sha256(`hmac\u0000${r.deviceId}\u0000${r.canonicalHash}`),
    },
  };
}
