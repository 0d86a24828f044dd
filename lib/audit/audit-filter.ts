import { z } from 'zod';

// The audit viewer's filter, as it appears in the URL and in exports. Every field maps to an
// index that ends in seq (migration 20261122020000_audit_viewer).

const optText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `at most ${max} characters`)
    .optional()
    .transform((v) => (v ? v : undefined));

const isoDateTime = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .refine((v) => v === undefined || (!Number.isNaN(Date.parse(v)) && /^\d{4}-\d{2}-\d{2}/.test(v)), 'must be a date or date-time (YYYY-MM-DD[THH:MM[:SS]][Z])');

const seqText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined))
  .refine((v) => v === undefined || /^\d{1,18}$/.test(v), 'must be a whole number');

export const ZAuditFilter = z
  .object({
    from: isoDateTime,
    to: isoDateTime,
    actor: optText(200),
    action: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || /^[a-z_]+(\.[a-z_]+)*\.?\*?$/.test(v), 'must look like resource.verb (a trailing * matches a prefix)'),
    entityType: optText(100),
    entityId: optText(200),
    contextRef: optText(500),
    q: optText(200),
    fromSeq: seqText,
    toSeq: seqText,
  })
  .refine((f) => !f.from || !f.to || Date.parse(f.from) <= Date.parse(f.to), { path: ['to'], message: 'must not be before from' });

export type TAuditFilter = Partial<z.output<typeof ZAuditFilter>>;

export const FILTER_KEYS = ['from', 'to', 'actor', 'action', 'entityType', 'entityId', 'contextRef', 'q', 'fromSeq', 'toSeq'] as const;

/** Reads a filter from URL search params; an invalid value names its field. */
export function parseAuditFilter(params: URLSearchParams | Record<string, string | string[] | undefined>):
  | { ok: true; filter: TAuditFilter }
  | { ok: false; field: string; message: string } {
  const get = (k: string) => {
    const v = params instanceof URLSearchParams ? params.get(k) : params[k];
    return Array.isArray(v) ? v[0] : (v ?? undefined);
  };
  const raw = Object.fromEntries(FILTER_KEYS.map((k) => [k, get(k) ?? undefined]));
  // Control characters (a NUL byte above all: PostgreSQL text refuses it) are bad input, a 400.
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string' && /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v)) return { ok: false, field: k, message: `${k} must not contain control characters` };
  }
  const r = ZAuditFilter.safeParse(raw);
  if (r.success) return { ok: true, filter: r.data };
  const issue = r.error.issues[0];
  const field = String(issue.path[0] ?? 'filter');
  return { ok: false, field, message: `${field} ${issue.message}` };
}

export function filterToQuery(f: TAuditFilter): Record<string, string> {
  return Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as Record<string, string>;
}
