import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '@/lib/api/v1/cursor';
import { ZQuarantineListQuery, fieldsOf, type ZQuarantinePage } from '@/lib/api/v1/schemas';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { Prisma } from '@/lib/generated/prisma/client';
import { requirePermission } from '@/lib/rbac/require-permission';
import { QUARANTINE_LIST_COLUMNS, toQuarantineRow, type TQuarantineListDbRow } from '@/lib/telemetry/list-quarantine';

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
  // As /quarantine lists them: never the raw bytes, only size, SHA-256 and an escaped preview.
  const rows = await db.$queryRaw<TQuarantineListDbRow[]>`SELECT ${QUARANTINE_LIST_COLUMNS}
      FROM quarantine q
      WHERE (${q.status ?? null}::text IS NULL OR status = ${q.status ?? null}) AND (${q.reason ?? null}::text IS NULL OR reason = ${q.reason ?? null}) ${keyset}
      ${asc ? Prisma.sql`ORDER BY q.id ASC` : Prisma.sql`ORDER BY q.id DESC`} LIMIT ${q.limit + 1}::int`;
  const page = rows.slice(0, q.limit);
  return {
    items: page.map(toQuarantineRow),
    nextCursor: rows.length > q.limit ? encodeCursor([page.at(-1)!.id]) : null,
  };
}
