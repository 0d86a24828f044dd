import { createHash, verify, type KeyObject } from 'node:crypto';
import { describeIssues, ZGatewayReading, ZGatewaySyncBody } from '@/lib/ingest/schemas';
import { parseStrictJson, StrictJsonError, type TStrictJsonErrorCode, type TStrictJsonOptions } from '@/lib/ingest/strict-json';

// Seed 001 (SecureTelemetryGateway): the gateway signs the canonical reading
//   json.dumps({sensor_id, value, unit, ts_utc}, sort_keys=True, separators=(",", ":"))
// with ECDSA P-256 / SHA-256 and posts {"seq", "canonical", "sig", "ts"} with requests' json=.
// The signature is checked over the exact canonical text that was sent, never over a
// re-serialization. Only `canonical` is signed: seq and ts are the gateway's bookkeeping.

export type TGatewayKeyLookup = (sensorId: string) => { gatewayId: string; publicKey: KeyObject } | null;

export type TGatewayRejectReason = 'malformed' | 'schema' | 'unknown_sensor' | 'bad_signature';

export type TVerifyGatewayPayloadResult =
  | {
      ok: true;
      gatewayId: string;
      /** The gateway's local sequence number (unsigned; for idempotent sync only). */
      seq: bigint;
      sensorId: string;
      /** SHA-256 hex of the canonical bytes: the signed record's identity, for de-duplication. */
      canonicalHash: string;
      reading: { valueText: string; unit: string; timestampUtc: string };
      /** `ts` as sent: the gateway's time.time() when it stored the reading (unsigned). */
      storedAtText: string;
    }
  | {
      ok: false;
      reason: TGatewayRejectReason;
      detail: string;
      /** Which JSON document was at fault, for 'malformed' and 'schema'. */
      part?: 'body' | 'canonical';
      jsonError?: TStrictJsonErrorCode;
      sensorId?: string;
    };

export type TVerifyGatewayPayloadOptions = {
  raw: Uint8Array;
  lookupKey: TGatewayKeyLookup;
  /** Applies to both documents, except that the body never keeps lone surrogates (see below). */
  parse?: TStrictJsonOptions;
};

export function verifyGatewayPayload({ raw, lookupKey, parse }: TVerifyGatewayPayloadOptions): TVerifyGatewayPayloadResult {
  // A lone surrogate in the body's `canonical` would not survive the conversion to UTF-8 bytes,
  // so the signature would be checked over bytes other than those sent.
  const body = parseDocument(raw, { ...parse, loneSurrogates: 'reject' }, 'body');
  if (!body.ok) return body.result;
  const envelope = ZGatewaySyncBody.safeParse(body.value);
  if (!envelope.success) return { ok: false, reason: 'schema', part: 'body', detail: describeIssues(envelope.error) };
  const { seq, canonical, sig, ts } = envelope.data;

  const signedBytes = Buffer.from(canonical, 'utf8');
  const inner = parseDocument(signedBytes, parse, 'canonical');
  if (!inner.ok) return inner.result;
  const reading = ZGatewayReading.safeParse(inner.value);
  if (!reading.success) return { ok: false, reason: 'schema', part: 'canonical', detail: describeIssues(reading.error) };
  const sensorId = reading.data.sensor_id;

  const gateway = lookupKey(sensorId);
  if (gateway === null) return { ok: false, reason: 'unknown_sensor', detail: 'no gateway key is registered for this sensor', sensorId };
  assertP256PublicKey(gateway.gatewayId, gateway.publicKey);

  let valid: boolean;
  try {
    // OpenSSL accepts only strict DER here (no BER lengths, no trailing bytes).
    valid = verify('sha256', signedBytes, { key: gateway.publicKey, dsaEncoding: 'der' }, Buffer.from(sig, 'hex'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'bad_signature', detail: `signature does not verify with gateway ${gateway.gatewayId}'s key`, sensorId };

  return {
    ok: true,
    gatewayId: gateway.gatewayId,
    seq,
    sensorId,
    canonicalHash: createHash('sha256').update(signedBytes).digest('hex'),
    reading: { valueText: reading.data.value.text, unit: reading.data.unit, timestampUtc: reading.data.ts_utc },
    storedAtText: ts.text,
  };
}

type TParsed =
  | { ok: true; value: ReturnType<typeof parseStrictJson> }
  | { ok: false; result: Extract<TVerifyGatewayPayloadResult, { ok: false }> };

function parseDocument(bytes: Uint8Array, options: TStrictJsonOptions | undefined, part: 'body' | 'canonical'): TParsed {
  try {
    return { ok: true, value: parseStrictJson(bytes, options) };
  } catch (e) {
    if (!(e instanceof StrictJsonError)) throw e;
    return { ok: false, result: { ok: false, reason: 'malformed', part, detail: `${part}: ${e.message}`, jsonError: e.code } };
  }
}

/** A registry holding any other key type is misconfigured; verifying with it would be unsafe. */
function assertP256PublicKey(gatewayId: string, key: KeyObject): void {
  if (key.type !== 'public' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`gateway ${gatewayId}: registered key is not an EC P-256 public key`);
  }
}
