import { z } from 'zod';
import { RECORD_KINDS } from '@/lib/records/kinds';
import { RECORD_STATUSES } from '@/lib/records/lifecycle';

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

/** Lists the UI pages by number (telemetry, quarantine): `page`, `pageSize`, `total`. */
export const ZNumberedPage = z
  .object({ items: z.array(z.record(z.string(), z.unknown())), total: z.number().int(), page: z.number().int(), pageSize: z.number().int() })
  .loose()
  .meta({ id: 'NumberedPage' });

export const ZTelemetryQuery = z.object({
  deviceId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{1,99}$/),
  from: z.iso.datetime({ offset: true }).describe('RFC 3339; readings received at or after'),
  to: z.iso.datetime({ offset: true }).describe('RFC 3339; readings received before (window at most the viewer\'s maximum span)'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(100).default(25),
});

export const ZReadingProof = z
  .object({ leaf: z.unknown(), path: z.unknown(), root: z.unknown() })
  .loose()
  .meta({ id: 'ReadingProof', description: "A reading's Merkle inclusion proof and the audit event holding its batch root" });

export const ZQuarantineEntry = z.record(z.string(), z.unknown()).meta({ id: 'QuarantineEntry', description: 'A sealed rejected message: metadata, reason, SHA-256 and a safe preview' });
