import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { Prisma } from '@/lib/generated/prisma/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';
import { safePreview } from '@/lib/telemetry/safe-preview';

export const QUARANTINE_STATUSES = ['held', 'reinjected', 'discarded'] as const;

export const ZListQuarantine = z.object({
  status: z.enum(QUARANTINE_STATUSES).optional(),
  reason: z
    .string()
    .trim()
    .regex(/^[a-z_]{1,64}$/, 'not a rejection reason')
    .optional(),
  sort: z.enum(['received']).default('received'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(100).default(25),
});

/** Only the head of each message leaves the database, and only as escaped text. */
const HEAD_BYTES = 200;
const PREVIEW_CHARS = 96;

/** The columns of a listed message (the table aliased `q`): never the raw bytes, only their head. */
export const QUARANTINE_LIST_COLUMNS = Prisma.sql`q.id::text AS id, q.received_at, q.source, q.topic, q.device_hint, q.reason, q.detail, q.status,
  octet_length(q.raw) AS size, encode(q.raw_sha256, 'hex') AS sha256, substring(q.raw FROM 1 FOR ${HEAD_BYTES}::int) AS head`;

export interface TQuarantineListDbRow {
  id: string;
  received_at: Date;
  source: string;
  topic: string | null;
  device_hint: string | null;
  reason: string;
  detail: string | null;
  status: string;
  size: number;
  sha256: string;
  head: Uint8Array;
}

/** A listed message as the list and /api/v1 show it: size, SHA-256 and an escaped preview. */
export function toQuarantineRow(r: TQuarantineListDbRow): TQuarantineRow {
  const preview = safePreview(r.head, PREVIEW_CHARS, r.size);
  return {
    id: r.id,
    receivedAt: r.received_at.toISOString(),
    source: r.source,
    topic: r.topic,
    deviceHint: r.device_hint,
    reason: r.reason,
    detail: r.detail,
    status: r.status,
    size: r.size,
    sha256: r.sha256,
    preview: preview.text,
    previewTruncated: preview.truncated,
  };
}

export interface TQuarantineRow {
  id: string;
  receivedAt: string;
  source: string;
  topic: string | null;
  deviceHint: string | null;
  reason: string;
  detail: string | null;
  status: string;
  size: number;
  sha256: string;
  preview: string;
  previewTruncated: boolean;
}

/**
 * One page of quarantined messages, newest first, filtered by status and reason. The list never
 * carries the raw bytes: size, SHA-256 and a short preview with non-printables escaped.
 */
export async function listQuarantine(db: TDb, user: TCurrentUser, raw: unknown) {
  requirePermission(user, 'quarantine.read');
  const p = ZListQuarantine.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new AppError('BAD_REQUEST', `Invalid ${String(i.path[0])}: ${i.message}`, { [String(i.path[0])]: i.message });
  }
  const q = p.data;
  const where = Prisma.sql`WHERE (${q.status ?? null}::text IS NULL OR status = ${q.status ?? null}) AND (${q.reason ?? null}::text IS NULL OR reason = ${q.reason ?? null})`;
  // Qualified: a bare `id` would name the text output column and sort 10 before 9.
  const order = q.dir === 'asc' ? Prisma.sql`ORDER BY q.id ASC` : Prisma.sql`ORDER BY q.id DESC`;
  const [[{ total }], rows, reasons] = await Promise.all([
    db.$queryRaw<Array<{ total: number }>>`SELECT count(*)::int AS total FROM quarantine q ${where}`,
    db.$queryRaw<TQuarantineListDbRow[]>`SELECT ${QUARANTINE_LIST_COLUMNS} FROM quarantine q ${where} ${order} LIMIT ${q.pageSize}::int OFFSET ${(q.page - 1) * q.pageSize}::int`,
    db.$queryRaw<Array<{ reason: string }>>`SELECT DISTINCT reason FROM quarantine ORDER BY reason LIMIT 100`,
  ]);
  const items = rows.map(toQuarantineRow);
  return { items, total, page: q.page, pageSize: q.pageSize, query: { sort: q.sort, dir: q.dir, status: q.status, reason: q.reason }, reasons: reasons.map((r) => r.reason) };
}
