import type { Metadata } from 'next';
import Link from 'next/link';
import { Badge } from '@/components/ui/badge';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { openApiDocument } from '@/lib/api/v1/openapi';
import { apiAudience } from '@/lib/api/verify-service-token';
import { requirePageUser } from '@/lib/auth/require-user';
import { can } from '@/lib/rbac/require-permission';
import { NotPermitted } from '../../not-permitted';

export const metadata: Metadata = { title: 'Integration API reference' };
export const dynamic = 'force-dynamic';

interface TOp {
  summary: string;
  description: string;
  parameters?: Array<{ name: string; in: string; required?: boolean; description?: string; schema: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string }>;
}

function typeText(s: Record<string, unknown>): string {
  if (Array.isArray(s.enum)) return s.enum.join(' | ');
  const t = [s.type, s.format].filter(Boolean).join(', ');
  const range = [s.minimum !== undefined ? `≥ ${String(s.minimum)}` : '', s.maximum !== undefined ? `≤ ${String(s.maximum)}` : ''].filter(Boolean).join(' ');
  return [t, range, s.default !== undefined ? `default ${JSON.stringify(s.default)}` : ''].filter(Boolean).join('; ');
}

/** The OpenAPI document of /api/v1, readable: what integrators and reviewers look up. */
export default async function ApiReferencePage() {
  const user = await requirePageUser('/admin/service-accounts/api');
  if (!can(user, 'service_accounts.read')) return <NotPermitted title="Integration API reference" permission="service_accounts.read" />;
  const doc = openApiDocument(apiAudience()) as { info: { description: string }; paths: Record<string, Record<string, TOp>>; components: { schemas: Record<string, unknown> } };
  return (
    <>
      <PageHeader
        title="Integration API reference"
        description={
          <>
            {doc.info.description}{' '}
            <a className="font-medium text-accent-800 underline underline-offset-2" href="/api/v1/openapi.json">
              OpenAPI 3.1 (JSON)
            </a>{' '}
            ·{' '}
            <Link className="font-medium text-accent-800 underline underline-offset-2" href="/admin/service-accounts">
              Service accounts
            </Link>
          </>
        }
      />
      <div className="grid gap-4">
        {Object.entries(doc.paths).flatMap(([path, ops]) =>
          Object.entries(ops).map(([method, op]) => (
            <Card
              key={`${method} ${path}`}
              headingLevel={2}
              title={
                <span className="flex flex-wrap items-center gap-2">
                  <Badge tone={method === 'get' ? 'neutral' : 'warn'}>{method.toUpperCase()}</Badge>
                  <code className="font-mono text-sm">{path}</code>
                </span>
              }
              description={op.summary}
            >
              <p className="text-sm text-slate-700">{op.description}</p>
              {op.parameters?.length ? (
                <table className="mt-3 w-full border-collapse text-sm">
                  <caption className="sr-only">Parameters of {method.toUpperCase()} {path}</caption>
                  <thead className="border-b border-slate-200 text-left text-xs text-slate-600">
                    <tr>
                      <th scope="col" className="py-1 pr-3 font-medium">Parameter</th>
                      <th scope="col" className="py-1 pr-3 font-medium">In</th>
                      <th scope="col" className="py-1 pr-3 font-medium">Type</th>
                      <th scope="col" className="py-1 font-medium">Meaning</th>
                    </tr>
                  </thead>
                  <tbody>
                    {op.parameters.map((p) => (
                      <tr key={p.name} className="border-b border-slate-100 last:border-b-0">
                        <td className="py-1 pr-3 font-mono text-xs">
                          {p.name}
                          {p.required ? ' *' : ''}
                        </td>
                        <td className="py-1 pr-3">{p.in}</td>
                        <td className="py-1 pr-3 font-mono text-xs">{typeText(p.schema)}</td>
                        <td className="py-1">{p.description ?? ''}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
              {op.requestBody && (
                <details className="mt-3 text-sm">
                  <summary className="cursor-pointer font-medium text-slate-800">Request body (application/json)</summary>
                  <pre className="mt-2 overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(op.requestBody.content['application/json'].schema, null, 2)}</pre>
                </details>
              )}
              <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
                {Object.entries(op.responses).map(([code, r]) => (
                  <div key={code} className="contents">
                    <dt className="font-mono text-xs text-slate-700">{code}</dt>
                    <dd>{r.description}</dd>
                  </div>
                ))}
              </dl>
            </Card>
          )),
        )}
        <Card title="Schemas" description="Referenced as #/components/schemas/…">
          {Object.entries(doc.components.schemas).map(([name, schema]) => (
            <details key={name} className="text-sm">
              <summary className="cursor-pointer font-mono text-xs text-slate-800">{name}</summary>
              <pre className="mt-1 mb-2 overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(schema, null, 2)}</pre>
            </details>
          ))}
        </Card>
      </div>
    </>
  );
}
