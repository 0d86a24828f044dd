import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '@/lib/api/v1/openapi';
import { ROUTE_ACCESS } from '@/lib/rbac/endpoint-access';

/** Every `METHOD /api/v1/...` route handler of the app directory, as OpenAPI names its path. */
function v1Routes(dir = path.resolve('app/api/v1'), base = '/api/v1'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...v1Routes(full, `${base}/${name.replace(/^\[(\w+)\]$/, '{$1}')}`));
    else if (name === 'route.ts') {
      for (const m of readFileSync(full, 'utf8').matchAll(/export async function (GET|POST|PUT|PATCH|DELETE)\b/g)) out.push(`${m[1]} ${base}`);
    }
  }
  return out.sort();
}

describe('OpenAPI document of /api/v1', () => {
  const doc = openApiDocument('https://custos.example') as { openapi: string; paths: Record<string, Record<string, { description: string; responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };

  it('[11.10(k)] documents every /api/v1 route handler, and nothing that does not exist', () => {
    const routes = v1Routes();
    expect(routes.length).toBeGreaterThanOrEqual(6);
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`))
      .sort();
    expect(documented).toEqual(routes);
    // …and each is in the permission table, whose rule the operation states.
    for (const r of routes) expect(ROUTE_ACCESS[r.replace(/\{(\w+)\}/g, '[$1]')], r).toBeDefined();
  });

  it('[11.10(k)] is OpenAPI 3.1 with every referenced schema defined', () => {
    expect(doc.openapi).toBe('3.1.0');
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(5);
    for (const r of new Set(refs)) expect(doc.components.schemas[r], r).toBeDefined();
    expect(doc.paths['/api/v1/records'].post.description).toMatch(/records\.create/);
    expect(doc.paths['/api/v1/records'].get.responses['401']).toBeDefined();
  });

  it('[11.10(b)] documents the export as a download of each format, with the permissions the viewer needs', () => {
    const exp = doc.paths['/api/v1/audit-events/export'].get as unknown as { description: string; parameters: Array<{ name: string; schema: { enum?: string[] } }>; responses: Record<string, { content: Record<string, unknown> }> };
    expect(exp.description).toMatch(/audit\.read and audit\.export/);
    expect(exp.parameters.find((p) => p.name === 'format')?.schema.enum).toEqual(['csv', 'pdf', 'bundle']);
    expect(exp.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['chain', 'actor', 'action', 'fromSeq', 'toSeq']));
    expect(Object.keys(exp.responses['200'].content)).toEqual(['text/csv', 'application/pdf', 'application/json']);
    expect(doc.paths['/api/v1/audit-events/verify'].post.description).toMatch(/audit\.verify/);
    for (const list of ['/api/v1/telemetry', '/api/v1/quarantine']) {
      expect((doc.paths[list].get as unknown as { parameters: Array<{ name: string }> }).parameters.map((p) => p.name), list).toEqual(expect.arrayContaining(['cursor', 'limit']));
    }
  });

  it('[11.200(a)] offers no signing operation', () => {
    expect(JSON.stringify(Object.keys(doc.paths))).not.toMatch(/sign/i);
  });
});
