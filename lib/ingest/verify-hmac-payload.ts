import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { pythonCanonicalJson } from '@/lib/ingest/python-canonical';
import { describeIssues, ZHmacPayload } from '@/lib/ingest/schemas';
import { parseStrictJson, StrictJsonError, type TStrictJsonErrorCode, type TStrictJsonOptions } from '@/lib/ingest/strict-json';

// Seed 000 (Part11PayloadBuilder): the device signs
//   json.dumps(payload minus {schema_hash, signature_manifest}, sort_keys=True, separators=(",", ":"))
// with HMAC-SHA256, and schema_hash is the SHA-256 of the same bytes. The published text is
// parsed strictly and the canonical bytes are rebuilt the way Python builds them.

/** Keys the builder adds after signing; Python leaves them out of the canonical form. */
const SIGNATURE_EXCLUDED_KEYS: ReadonlySet<string> = new Set(['schema_hash', 'signature_manifest']);

/**
 * The device's HMAC key for a key version. `null` when the device is not registered;
 * 'unknown_key_version' when it is but has no such version (a plain `Buffer | null` lookup
 * is accepted: it then never reports unknown_key_version).
 */
export type TDeviceKeyLookup = (deviceId: string, keyVersion: number) => Buffer | null | 'unknown_key_version';

export type THmacRejectReason =
  | 'malformed'
  | 'schema'
  | 'unknown_device'
  | 'unknown_key_version'
  | 'schema_hash_mismatch'
  | 'bad_signature';

export type TVerifyHmacPayloadResult =
  | {
      ok: true;
      deviceId: string;
      keyVersion: number;
      /** SHA-256 hex of the canonical bytes (equal to schema_hash): the record's identity. */
      canonicalHash: string;
      reading: { valueText: string; unit: string; timestampUtc: string };
    }
  | {
      ok: false;
      reason: THmacRejectReason;
      detail: string;
      /** Set when the payload got as far as naming a device. */
      deviceId?: string;
      /** Set for 'malformed'. */
      jsonError?: TStrictJsonErrorCode;
    };

export type TVerifyHmacPayloadOptions = {
  raw: Uint8Array;
  lookupKey: TDeviceKeyLookup;
  parse?: TStrictJsonOptions;
};

export function verifyHmacPayload({ raw, lookupKey, parse }: TVerifyHmacPayloadOptions): TVerifyHmacPayloadResult {
  let tree;
  try {
    tree = parseStrictJson(raw, parse);
  } catch (e) {
    if (e instanceof StrictJsonError) return { ok: false, reason: 'malformed', detail: e.message, jsonError: e.code };
    throw e;
  }

  const shape = ZHmacPayload.safeParse(tree);
  if (!shape.success) return { ok: false, reason: 'schema', detail: describeIssues(shape.error) };
  const payload = shape.data;
  const deviceId = payload.device_id;

  // Seed 000 leaves key rotation to a key_version in signature_manifest; absent means the
  // device's first key. It is unsigned, which is harmless: it only chooses which key must match.
  const keyVersion = payload.signature_manifest.key_version ?? 1;
  const key = lookupKey(deviceId, keyVersion);
  if (key === null) return { ok: false, reason: 'unknown_device', detail: 'device is not registered', deviceId };
  if (key === 'unknown_key_version') {
    return { ok: false, reason: 'unknown_key_version', detail: `device has no key version ${keyVersion}`, deviceId };
  }

  const canonical = pythonCanonicalJson(tree, { excludeTopLevelKeys: SIGNATURE_EXCLUDED_KEYS });
  const digest = createHash('sha256').update(canonical).digest();
  // Both sides are 32 bytes: the schema only admits 64 hex digits.
  if (!timingSafeEqual(digest, Buffer.from(payload.schema_hash, 'hex'))) {
    return { ok: false, reason: 'schema_hash_mismatch', detail: 'schema_hash is not the SHA-256 of the canonical payload', deviceId };
  }
  const mac = createHmac('sha256', key).update(canonical).digest();
  if (!timingSafeEqual(mac, Buffer.from(payload.signature_manifest.cryptographic_hash, 'hex'))) {
    return { ok: false, reason: 'bad_signature', detail: `HMAC does not match key version ${keyVersion}`, deviceId };
  }

  return {
    ok: true,
    deviceId,
    keyVersion,
    canonicalHash: digest.toString('hex'),
    reading: {
      valueText: payload.sensor_reading.value.text,
      unit: payload.sensor_reading.unit,
      timestampUtc: payload.timestamp_utc,
    },
  };
}
