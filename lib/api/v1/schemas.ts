import { z } from 'zod';
import { EXPORT_FORMATS } from '@/lib/audit/export/run-export';
import { RECORD_KINDS } from '@/lib/records/kinds';
import { RECORD_STATUSES } from '@/lib/records/lifecycle';
import { QUARANTINE_STATUSES } from '@/lib/telemetry/list-quarantine';
import { MAX_SPAN_MS } from '@/lib/telemetry/time-range';

// The /api/v1 wire shapes: routes parse with these and the OpenAPI document is generated from
// them (lib/api/v1/openapi.ts), so the document cannot describe something the routes do not do.

export const ZProblem = z
  .object({
    type: z.string().describe('urn:custos:problem:<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.record(z.string(), z.string()).optional().describe('What is wrong, by field'),
    requestId: z.string().optional(),
  })
  .meta({ id: 'Problem' });

export const ZHealth = z
  .object({ status: z.enum(['ok', 'degraded', 'down']), database: z.string(), version: z.string().optional() })
  .loose()
  .meta({ id: 'Health' });

export const ZRecordListQuery = z
  .object({
    kind: z.enum(RECORD_KINDS).optional(),
    status: z.enum(RECORD_STATUSES).optional(),
    q: z.string().trim().max(100).optional().describe('Part of the title or number'),
    updatedSince: z.iso.datetime({ offset: true }).optional().describe('RFC 3339; records changed at or after'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/)
      .optional()
      .describe('nextCursor of the previous page'),
  })
  .strict();

export const ZRecordSummary = z
  .object({
    id: z.uuid(),
    number: z.string(),
    kind: z.enum(RECORD_KINDS),
    title: z.string(),
    status: z.enum(RECORD_STATUSES),
    currentVersion: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'RecordSummary' });

export const ZRecordPage = z
  .object({ items: z.array(ZRecordSummary), nextCursor: z.string().nullable().describe('null on the last page') })
  .meta({ id: 'RecordPage' });

export const ZRecordId = z.uuid();

export const ZRecord = z
  .object({
    id: z.uuid(),
    number: z.string(),
    kind: z.enum(RECORD_KINDS),
    title: z.string(),
    status: z.enum(RECORD_STATUSES),
    currentVersion: z.number().int(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    retiredAt: z.iso.datetime().nullable(),
    versions: z.array(
      z.object({
        version: z.number().int(),
        content: z.record(z.string(), z.unknown()),
        contentHash: z.string(),
        reason: z.string().nullable(),
        createdByName: z.string(),
        createdAt: z.iso.datetime(),
        intact: z.boolean(),
      }),
    ),
    signatures: z.array(
      z.object({
        version: z.number().int(),
        printedName: z.string(),
        employeeId: z.string(),
        meaning: z.string(),
        transition: z.string(),
        signedAt: z.iso.datetime(),
        contentHash: z.string(),
        validity: z.string(),
      }),
    ),
  })
  .meta({ id: 'Record' });

export const ZCreateRecord = z
  .object({
    kind: z.enum(RECORD_KINDS).describe('A kind people create (batch records come from their own flow)'),
    content: z.record(z.string(), z.unknown()).describe('The fields of the kind, as the record form has them'),
  })
  .strict()
  .meta({ id: 'CreateRecord' });

export const ZNewVersion = z
  .object({
    baseVersion: z.number().int().positive().describe('The version this change was made from (optimistic lock)'),
    reason: z.string().trim().min(3).max(2000),
    content: z.record(z.string(), z.unknown()),
  })
  .strict()
  .meta({ id: 'NewVersion' });

export const ZCreated = z.object({ id: z.uuid(), number: z.string(), version: z.number().int() }).meta({ id: 'Created' });
export const ZVersionCreated = z.object({ id: z.uuid(), version: z.number().int() }).meta({ id: 'VersionCreated' });

/** A zod failure as a 400 with the fields named. */
export function fieldsOf(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const i of error.issues) fields[i.path.length ? i.path.join('.') : 'body'] ??= i.message;
  return fields;
}

export const ZDeviceListQuery = z
  .object({
    status: z.enum(['active', 'suspended', 'retired']).optional(),
    q: z.string().trim().max(100).optional().describe('Part of the id or description'),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,200}$/)
      .optional()
      .describe('nextCursor of the previous page'),
  })
  .strict();

export const ZDeviceSummary = z
  .object({
    id: z.string(),
    kind: z.enum(['hmac', 'ecdsa']),
    status: z.string(),
    description: z.string(),
    unit: z.string().nullable(),
    limitMin: z.number().nullable(),
    limitMax: z.number().nullable(),
    calibrationDue: z.iso.date().nullable(),
    sensors: z.array(z.string()),
    lastReadingAt: z.iso.datetime().nullable(),
    certFingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable()
      .describe("Gateways: SHA-256 (lowercase hex) of the TLS client certificate's DER, or null"),
  })
  .meta({ id: 'DeviceSummary' });

export const ZDevicePage = z.object({ items: z.array(ZDeviceSummary), nextCursor: z.string().nullable() }).meta({ id: 'DevicePage' });

export const ZDevice = z
  .object({
    id: z.string(),
    kind: z.string(),
    status: z.string(),
    calibrationDue: z.iso.date().nullable(),
    calibrationOverdue: z.boolean(),
    keys: z.array(z.object({ version: z.number().int(), kind: z.string(), fingerprint: z.string().nullable() }).loose()),
    sensors: z.array(z.string()),
    certFingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .nullable()
      .describe("Gateways: SHA-256 (lowercase hex) of the TLS client certificate's DER, or null"),
  })
  .loose()
  .meta({ id: 'Device', description: 'Configuration, key versions (fingerprints only), sensors, state and open alarms' });

export const ZAuditPageParams = z.object({
  before: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional()
    .describe('`older` of the previous page: events with a lower seq'),
  after: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional()
    .describe('`newer` of the previous page: events with a higher seq'),
  dir: z.enum(['desc', 'asc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const ZAuditEventPage = z
  .object({
    rows: z.array(
      z.object({
        seq: z.string(),
        occurredAt: z.string(),
        actorType: z.string(),
        actorId: z.string(),
        actorName: z.string().nullable(),
        actorRole: z.string().nullable(),
        sessionId: z.string().nullable(),
        action: z.string(),
        entityType: z.string(),
        entityId: z.string().nullable(),
        oldValue: z.unknown(),
        newValue: z.unknown(),
        reason: z.string().nullable(),
        contextRef: z.string().nullable(),
        hash: z.string(),
      }),
    ),
    older: z.string().nullable(),
    newer: z.string().nullable(),
    headSeq: z.string(),
  })
  .meta({ id: 'AuditEventPage', description: 'Keyset-paged events of the chain, as the audit viewer pages them' });

const ZCursor = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,200}$/, 'not a cursor of this list')
  .optional()
  .describe('nextCursor of the previous page (opaque)');

export const ZTelemetryQuery = z
  .object({
    deviceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{1,99}$/),
    from: z.iso.datetime({ offset: true }).describe('RFC 3339; readings received at or after'),
    to: z.iso.datetime({ offset: true }).describe("RFC 3339; readings received before (window at most the viewer's maximum span)"),
    dir: z.enum(['asc', 'desc']).default('desc').describe('By received time, then id'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: ZCursor,
  })
  .strict()
  .refine((q) => Date.parse(q.from) < Date.parse(q.to) && Date.parse(q.to) - Date.parse(q.from) <= MAX_SPAN_MS, { message: 'Invalid time range (from before to, at most 400 days)', path: ['from'] });

export const ZReading = z
  .object({
    id: z.string(),
    receivedAt: z.iso.datetime(),
    sensorId: z.string().nullable(),
    format: z.string(),
    valueText: z.string().describe('The value exactly as the device sent it'),
    unit: z.string().nullable(),
    deviceTs: z.string().describe("The device's timestamp exactly as sent"),
    skewMs: z.number().nullable(),
    flags: z.array(z.string()),
    keyVersion: z.number().int().nullable(),
    batchId: z.string(),
  })
  .meta({ id: 'Reading' });

export const ZReadingPage = z.object({ items: z.array(ZReading), nextCursor: z.string().nullable().describe('null on the last page') }).meta({ id: 'ReadingPage' });

export const ZQuarantineListQuery = z
  .object({
    status: z.enum(QUARANTINE_STATUSES).optional(),
    reason: z
      .string()
      .trim()
      .regex(/^[a-z_]{1,64}$/, 'not a rejection reason')
      .optional(),
    dir: z.enum(['asc', 'desc']).default('desc').describe('By id (arrival order)'),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: ZCursor,
  })
  .strict();

export const ZQuarantineSummary = z
  .object({
    id: z.string(),
    receivedAt: z.iso.datetime(),
    source: z.string(),
    topic: z.string().nullable(),
    deviceHint: z.string().nullable(),
    reason: z.string(),
    detail: z.string().nullable(),
    status: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    preview: z.string().describe('The head of the message, non-printables escaped'),
    previewTruncated: z.boolean(),
  })
  .meta({ id: 'QuarantineSummary' });

export const ZQuarantinePage = z.object({ items: z.array(ZQuarantineSummary), nextCursor: z.string().nullable().describe('null on the last page') }).meta({ id: 'QuarantinePage' });

const seqText = z.string().regex(/^\d{1,18}$/, 'must be a whole number');

export const ZAuditVerifyRequest = z
  .object({
    chain: z.string().optional().describe("A chain id; this site's chain when absent"),
    fromSeq: seqText.optional(),
    toSeq: seqText.optional(),
  })
  .strict()
  .meta({ id: 'AuditVerifyRequest' });

export const ZAuditVerification = z
  .object({
    ok: z.boolean().describe('Chain, checkpoints, signatures and derived state all agree'),
    chainOk: z.boolean(),
    chainId: z.string(),
    from: z.string(),
    to: z.string().nullable(),
    count: z.number().int(),
    headSeq: z.string(),
    headHash: z.string(),
    broken: z.object({ seq: z.string(), reason: z.string(), detail: z.string() }).loose().nullable(),
    signatures: z.object({ checked: z.number().int(), invalid: z.array(z.unknown()) }).loose(),
    signatureChain: z.object({ checked: z.number().int(), invalid: z.array(z.unknown()) }).loose(),
    state: z
      .object({
        ok: z.boolean(),
        checked: z.record(z.string(), z.number().int()),
        divergences: z.array(z.object({ kind: z.string(), entity: z.string(), field: z.string(), detail: z.string() })),
      })
      .describe('Live rows (records, users, roles, devices, service accounts, chain head) against a replay of the trail'),
    warnings: z.array(z.string()),
    verifiedAt: z.iso.datetime(),
  })
  .loose()
  .meta({ id: 'AuditVerification', description: "The audit viewer's verification report; the verification itself is recorded as audit.verify" });

export const ZAuditExportQuery = z.object({
  format: z.enum(EXPORT_FORMATS).default('csv').describe('csv: a table; pdf: human-readable; bundle: signed JSON for the offline verifier'),
  chain: z.string().optional().describe("A chain id; this site's chain when absent"),
});

export const ZReadingProof = z
  .object({ leaf: z.unknown(), path: z.unknown(), root: z.unknown() })
  .loose()
  .meta({ id: 'ReadingProof', description: "A reading's Merkle inclusion proof and the audit event holding its batch root" });

export const ZQuarantineEntry = z.record(z.string(), z.unknown()).meta({ id: 'QuarantineEntry', description: 'A sealed rejected message: metadata, reason, SHA-256 and a safe preview' });
