import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '@/lib/api/v1/cursor';
import { ZQuarantineListQuery, fieldsOf, type ZQuarantinePage } from '@/lib/api/v1/schemas';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { Prisma } from '@/lib/generated/prisma/client';
import { requirePermission } from '@/lib/rbac/require-permission';
import { safePreview } from '@/lib/telemetry/safe-preview';

// As /quarantine lists them: never the raw bytes, only size, SHA-256 and an escaped preview.
const HEAD_BYTES = 200;
const PREVIEW_CHARS = 96;

/** Quarantined messages keyset-paged by id, filtered by status and reason (quarantine.read). */
export async function quarantinePage(db: TDb, user: TCurrentUser, params: URLSearchParams): Promise<z.infer<typeof ZQuarantinePage>> {
  requirePermission(user, 'quarantine.read');
  const p = ZQuarantineListQuery.safeParse(Object.fromEntries(params));
  if (!p.success) {
    const fields = fieldsOf(p.error);
    throw new AppError('BAD_REQUEST', `Invalid ${Object.keys(fields)[0]}: ${Object.values(fields)[0]}`, fields);
  }
  const q = p.data;
  const after = q.cursor ? decodeCursor(q.cursor, [/^\d{1,20}$/])[0] : null;
  const asc = q.dir === 'asc';
  // Qualified in ORDER BY: a bare `id` would name the text output column and sort 10 before 9.
  const keyset = after ? (asc ? Prisma.sql`AND id > ${after}::bigint` : Prisma.sql`AND id < ${after}::bigint`) : Prisma.empty;
  const rows = await db.$queryRaw<
    Array<{ id: string; received_at: Date; source: string; topic: string | null; device_hint: string | null; reason: string; detail: string | null; status: string; size: number; sha256: string; head: Uint8Array }>
  >`SELECT id::text, received_at, source, topic, device_hint, reason, detail, status, octet_length(raw) AS size,
           encode(raw_sha256, 'hex') AS sha256, substring(raw FROM 1 FOR ${HEAD_BYTES}::int) AS head
      FROM quarantine q
      WHERE (${q.status ?? null}::text IS NULL OR status = ${q.status ?? null}) AND (${q.reason ?? null}::text IS NULL OR reason = ${q.reason ?? null}) ${keyset}
      ${asc ? Prisma.sql`ORDER BY q.id ASC` : Prisma.sql`ORDER BY q.id DESC`} LIMIT ${q.limit + 1}::int`;
  const page = rows.slice(0, q.limit);
  return {
    items: page.map((r) => {
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
    }),
    nextCursor: rows.length > q.limit ? encodeCursor([page.at(-1)!.id]) : null,
  };
}
