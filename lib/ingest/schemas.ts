import { z } from 'zod';
import { JsonNumber } from '@/lib/ingest/json-value';
import { parseRfc3339 } from '@/lib/ingest/rfc3339';

// Shapes of the two signed telemetry formats, applied to the strict-JSON tree (numbers are
// JsonNumber). They describe what the seed senders produce; a
// change here changes which device payloads Custos accepts, so it goes through change control.

const ZJsonNumber = z.instanceof(JsonNumber, { message: 'expected a JSON number' });

const ZLowerHex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');

function isCalendarInstant(iso: string): boolean {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === iso.slice(0, 19);
}

/** `datetime.now(timezone.utc).isoformat(timespec="seconds")`, e.g. 2024-05-01T12:00:00+00:00 */
const ZUtcIsoSeconds = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/, 'expected YYYY-MM-DDTHH:MM:SS+00:00')
  .refine(isCalendarInstant, 'not a calendar date and time');

/**
 * Seed 001 `ts_utc`: `datetime.now(timezone.utc).isoformat()` (microseconds left out when zero,
 * `+00:00`) and any other RFC 3339 date-time a gateway sends (lib/ingest/rfc3339.ts). The text is
 * kept as signed; the instant goes to device_time.
 */
const ZRfc3339 = z.string().superRefine((s, ctx) => {
  const r = parseRfc3339(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: `not an RFC 3339 date-time: ${r.reason}` });
});

const MAX_INT63 = (1n << 63n) - 1n;

/** seed 000 `Part11PayloadBuilder.SCHEMA_VERSION`; other versions are not validated formats. */
export const HMAC_PAYLOAD_VERSION = '2.1.0';

/**
 * Seed 000 payload as `Part11PayloadBuilder.build()` produces it. Every key its `validate()`
 * requires is required here. Unknown keys pass: outside signature_manifest they are covered by
 * the HMAC like everything else.
 */
export const ZHmacPayload = z.looseObject({
  payload_version: z.literal(HMAC_PAYLOAD_VERSION),
  device_id: z.string().min(1).max(128),
  timestamp_utc: ZUtcIsoSeconds,
  sensor_reading: z.looseObject({ value: ZJsonNumber, unit: z.string().max(64) }),
  audit_trail: z
    .array(
      z.looseObject({
        action: z.string(),
        operator_id: z.string(),
        timestamp_utc: z.string(),
        reason_for_change: z.string(),
      }),
    )
    .min(1),
  access_control: z.looseObject({}),
  transmission_params: z.looseObject({}),
  schema_hash: ZLowerHex64,
  // Not covered by the HMAC (the builder adds it after signing): nothing here is trusted
  // except as a pointer to which key to try.
  signature_manifest: z.looseObject({
    signer_name: z.string(),
    signer_role: z.string(),
    signature_timestamp: z.string(),
    cryptographic_hash: ZLowerHex64,
    key_version: ZJsonNumber.refine((n) => /^[1-9][0-9]{0,8}$/.test(n.text), 'expected an integer from 1')
      .transform((n) => Number(n.text))
      .optional(),
  }),
});
export type THmacPayload = z.infer<typeof ZHmacPayload>;

/** Seed 001 sync body `{seq, canonical, sig, ts}` as `requests` posts it (outer envelope, unsigned). */
export const ZGatewaySyncBody = z.strictObject({
  seq: ZJsonNumber.refine((n) => /^(0|[1-9][0-9]{0,18})$/.test(n.text) && BigInt(n.text) <= MAX_INT63, 'expected a non-negative 64-bit integer')
    .transform((n) => BigInt(n.text)),
  canonical: z.string().min(2),
  // DER ECDSA P-256 signatures are 8 to 72 bytes; `bytes.hex()` writes lowercase.
  sig: z.string().regex(/^(?:[0-9a-f]{2}){8,72}$/, 'expected the lowercase hex of a DER signature'),
  ts: ZJsonNumber,
});
export type TGatewaySyncBody = z.infer<typeof ZGatewaySyncBody>;

/** Seed 001 `canonical`: the signed reading, exactly the four keys the gateway writes. */
export const ZGatewayReading = z.strictObject({
  sensor_id: z.string().min(1).max(128),
  value: ZJsonNumber,
  unit: z.string().max(64),
  ts_utc: ZRfc3339,
});
export type TGatewayReading = z.infer<typeof ZGatewayReading>;

/** One line per issue, `path: message`, for rejection details. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
