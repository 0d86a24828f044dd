import { AppError } from '@/lib/errors/app-error';
import { CONTENT_SCHEMA, type TRecordKind } from '@/lib/records/kinds';

/** Validates a kind's content; a failure names each field (for the form's field errors). */
export function parseContent(kind: TRecordKind, raw: unknown): Record<string, unknown> {
  const r = CONTENT_SCHEMA[kind].safeParse(raw);
  if (r.success) return r.data as Record<string, unknown>;
  const fields: Record<string, string> = {};
  for (const i of r.error.issues) fields[String(i.path[0] ?? 'content')] ??= i.message;
  throw new AppError('BAD_REQUEST', 'Some fields need attention', fields);
}
