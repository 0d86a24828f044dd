import { z } from 'zod';
import { CLOCK_SKEW_S } from '@/lib/api/verify-service-token';
import { ZAuditExportQuery, ZAuditVerification, ZAuditVerifyRequest, ZQuarantineEntry, ZQuarantineListQuery, ZQuarantinePage, ZReadingPage, ZReadingProof, ZTelemetryQuery, ZAuditEventPage, ZAuditPageParams, ZCreated, ZCreateRecord, ZDevice, ZDeviceListQuery, ZDevicePage, ZHealth, ZNewVersion, ZProblem, ZRecord, ZRecordListQuery, ZRecordPage, ZVersionCreated } from '@/lib/api/v1/schemas';
import { ZAuditFilter } from '@/lib/audit/audit-filter';
import { ROUTE_ACCESS, type TAccess } from '@/lib/rbac/endpoint-access';

// OpenAPI 3.1 of /api/v1, generated from the zod schemas the routes parse with (zod 4's JSON
// Schema, draft 2020-12, which OpenAPI 3.1 uses as is). The permission of each operation is
// read from lib/rbac/endpoint-access.ts. A route missing here fails openapi.test.ts.

interface TOperation {
  method: 'get' | 'post';
  path: string;
  summary: string;
  query?: z.ZodObject;
  pathId?: boolean;
  body?: z.ZodType;
  /** `optionalBody`: an empty body means every default. */
  optionalBody?: boolean;
  /** `types`: the media types of a download (default application/json). */
  ok: { status: number; schema: z.ZodType; description: string; types?: string[] };
  auth: boolean;
}

export const OPERATIONS: TOperation[] = [
  { method: 'get', path: '/api/v1/health', summary: 'System status', ok: { status: 200, schema: ZHealth, description: 'Status of the database, broker and workers' }, auth: false },
  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', ok: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'OpenAPI 3.1' }, auth: false },
  { method: 'get', path: '/api/v1/records', summary: 'List records (cursor-paged, oldest first)', query: ZRecordListQuery, ok: { status: 200, schema: ZRecordPage, description: 'One page' }, auth: true },
  { method: 'post', path: '/api/v1/records', summary: 'Create a record (version 1, draft; never signed)', body: ZCreateRecord, ok: { status: 201, schema: ZCreated, description: 'Created' }, auth: true },
  { method: 'get', path: '/api/v1/records/{id}', summary: 'One record with its versions and signatures', pathId: true, ok: { status: 200, schema: ZRecord, description: 'The record' }, auth: true },
  {
    method: 'post',
    path: '/api/v1/records/{id}/versions',
    summary: 'A new version with its reason (back to draft; never signed)',
    pathId: true,
    body: ZNewVersion,
    ok: { status: 201, schema: ZVersionCreated, description: 'Created' },
    auth: true,
  },
  {
    method: 'get',
    path: '/api/v1/audit-events',
    summary: "Audit events with the viewer's filters (keyset-paged, newest first)",
    query: z.object({ ...ZAuditFilter.shape, ...ZAuditPageParams.shape }),
    ok: { status: 200, schema: ZAuditEventPage, description: 'One page' },
    auth: true,
  },
  { method: 'get', path: '/api/v1/devices', summary: 'List devices (cursor-paged, by id)', query: ZDeviceListQuery, ok: { status: 200, schema: ZDevicePage, description: 'One page' }, auth: true },
  {
    method: 'post',
    path: '/api/v1/audit-events/verify',
    summary: "Verify the chain as the audit viewer's Verify does (recorded as audit.verify)",
    body: ZAuditVerifyRequest,
    optionalBody: true,
    ok: { status: 200, schema: ZAuditVerification, description: 'The verification report (ok false: a finding, not an error)' },
    auth: true,
  },
  {
    method: 'get',
    path: '/api/v1/audit-events/export',
    summary: "Export the filtered trail as a streamed download, as the viewer's export (recorded as audit.export_started and audit.export)",
    query: z.object({ ...ZAuditExportQuery.shape, ...ZAuditFilter.shape }),
    ok: { status: 200, schema: z.string().describe('text/csv, application/pdf or the signed JSON bundle; X-Custos-Export-Id names it in the trail'), description: 'The file, streamed', types: ['text/csv', 'application/pdf', 'application/json'] },
    auth: true,
  },
  { method: 'get', path: '/api/v1/telemetry', summary: "A device's readings in a received-time window (cursor-paged)", query: ZTelemetryQuery, ok: { status: 200, schema: ZReadingPage, description: 'One page' }, auth: true },
  { method: 'get', path: '/api/v1/telemetry/{id}/proof', summary: "One reading's Merkle inclusion proof", pathId: true, ok: { status: 200, schema: ZReadingProof, description: 'The proof' }, auth: true },
  { method: 'get', path: '/api/v1/quarantine', summary: 'Quarantined messages, newest first (cursor-paged)', query: ZQuarantineListQuery, ok: { status: 200, schema: ZQuarantinePage, description: 'One page' }, auth: true },
  { method: 'get', path: '/api/v1/quarantine/{id}', summary: 'One quarantine entry', pathId: true, ok: { status: 200, schema: ZQuarantineEntry, description: 'The entry' }, auth: true },
  { method: 'get', path: '/api/v1/devices/{id}', summary: 'One device (key fingerprints only)', pathId: true, ok: { status: 200, schema: ZDevice, description: 'The device' }, auth: true },
];

/** A schema as JSON Schema, its `$defs` references pointed at components.schemas. */
const toSchema = (s: z.ZodType): Record<string, unknown> =>
  JSON.parse(JSON.stringify(z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' })).replaceAll('"#/$defs/', '"#/components/schemas/'));

function strip(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $defs: _d, ...rest } = schema;
  void _s;
  void _d;
  return rest;
}

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, '[$1]')}`;
}

function permissionText(a: TAccess | undefined): string {
  if (!a) return 'not in the permission table';
  if (a.who === 'anyone') return 'No credentials needed.';
  if (a.who === 'permission') return `Needs ${a.all.join(' and ')} (a person's role, or the token's scope).`;
  return a.who;
}

export function openApiDocument(serverUrl: string): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const collect = (s: z.ZodType) => {
    const js = toSchema(s);
    for (const [k, v] of Object.entries((js.$defs as Record<string, unknown>) ?? {})) components[k] = strip(v as Record<string, unknown>);
    const id = z.globalRegistry.get(s)?.id;
    if (id) {
      components[id] = strip(js);
      return { $ref: `#/components/schemas/${id}` };
    }
    return strip(js);
  };
  const problemRef = collect(ZProblem);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters: unknown[] = [];
    if (op.pathId) parameters.push({ name: 'id', in: 'path', required: true, schema: op.path.startsWith('/api/v1/records') ? { type: 'string', format: 'uuid' } : op.path.startsWith('/api/v1/devices') ? { type: 'string' } : { type: 'string', pattern: '^\\d{1,18}$' } });
    if (op.query) {
      const js = toSchema(op.query) as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(js.properties ?? {})) {
        const description = (schema as { description?: string }).description;
        parameters.push({ name, in: 'query', required: js.required?.includes(name) && !(schema as { default?: unknown }).default ? true : false, schema, ...(description ? { description } : {}) });
      }
    }
    const problems = (codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { description: PROBLEM_TEXT[c], content: { 'application/problem+json': { schema: problemRef } } }]));
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      description: permissionText(ROUTE_ACCESS[routeKey(op.method, op.path)]),
      operationId: `${op.method}${op.path.replace(/^\/api\/v1/, '').replace(/[{}]/g, '').replace(/[/.](\w)/g, (_m, c: string) => c.toUpperCase())}`,
      ...(op.auth ? { security: [{ serviceToken: [] }, { session: [] }] } : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: !op.optionalBody, content: { 'application/json': { schema: collect(op.body) } } } } : {}),
      responses: {
        [String(op.ok.status)]: { description: op.ok.description, content: Object.fromEntries((op.ok.types ?? ['application/json']).map((t) => [t, { schema: collect(op.ok.schema) }])) },
        ...(op.auth ? problems([400, 401, 403, ...(op.pathId ? [404] : []), ...(op.method === 'post' ? [409] : [])]) : problems([500])),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Custos integration API',
      version: '1',
      description: `Records and devices for integrations (EBR, historians, analytics). A service account sends Authorization: Bearer <JWT>: ES256, kid of one of its keys, iss = sub = its id, aud = this site, exp, iat, scope (space-separated permissions), jti (used once); exp − iat at most the account's max lifetime; ±${CLOCK_SKEW_S} s skew. A service never signs: signatures are a person's (21 CFR 11.200).`,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        serviceToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (ES256)' },
        session: { type: 'apiKey', in: 'cookie', name: 'next-auth.session-token', description: 'A person signed in to the browser UI' },
      },
    },
  };
}

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Invalid input; errors names the fields',
  401: 'No valid credentials; WWW-Authenticate says why',
  403: 'Not permitted (insufficient_scope for a token)',
  404: 'Not found',
  409: 'Conflict (e.g. the record changed since baseVersion)',
  500: 'Unexpected error; the requestId is in the server log',
};
