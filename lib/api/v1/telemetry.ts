import type { z } from 'zod';
import { decodeCursor, encodeCursor } from '@/lib/api/v1/cursor';
import { ZTelemetryQuery, fieldsOf, type ZReadingPage } from '@/lib/api/v1/schemas';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { Prisma } from '@/lib/generated/prisma/client';
import { requirePermission } from '@/lib/rbac/require-permission';

const DIGITS = /^\d{1,20}$/;
const MICROS_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/**
 * A device's readings received in [from, to), keyset-paged by (received_at, id) (telemetry.read,
 * as /telemetry). The cursor holds received_at to the microsecond — a JavaScript Date would drop
 * them and repeat or skip rows at a page boundary.
 */
export async function telemetryPage(db: TDb, user: TCurrentUser, params: URLSearchParams): Promise<z.infer<typeof ZReadingPage>> {
  requirePermission(user, 'telemetry.read');
  const p = ZTelemetryQuery.safeParse(Object.fromEntries(params));
  if (!p.success) {
    const fields = fieldsOf(p.error);
    throw new AppError('BAD_REQUEST', `Invalid ${Object.keys(fields)[0]}: ${Object.values(fields)[0]}`, fields);
  }
  const q = p.data;
  const after = q.cursor ? decodeCursor(q.cursor, [MICROS_UTC, DIGITS]) : null;
  // A well-formed but impossible instant (2026-02-30) is as invalid as any other bad cursor.
  if (after && (Number.isNaN(Date.parse(after[0])) || new Date(after[0]).toISOString().slice(0, 23) !== after[0].slice(0, 23))) throw new AppError('BAD_REQUEST', 'Invalid cursor: not a cursor of this list', { cursor: 'invalid' });
  const asc = q.dir === 'asc';
  const at = Prisma.sql`${after?.[0] ?? ''}::timestamptz`;
  const keyset = after ? (asc ? Prisma.sql`AND (received_at, id) > (${at}, ${after[1]}::bigint)` : Prisma.sql`AND (received_at, id) < (${at}, ${after[1]}::bigint)`) : Prisma.empty;
  // Qualified: a bare `id` would name the text output column and sort 10 before 9.
  const order = asc ? Prisma.sql`ORDER BY t.received_at ASC, t.id ASC` : Prisma.sql`ORDER BY t.received_at DESC, t.id DESC`;
  const rows = await db.$queryRaw<
    Array<{ id: string; received_at: Date; at_text: string; sensor_id: string | null; format: string; value_text: string; unit: string | null; device_ts: string; skew_ms: bigint | null; flags: string[]; key_version: number | null; batch_id: string }>
  >`SELECT id::text, received_at, to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_text, sensor_id, format, value_text, unit, device_ts, skew_ms, flags, key_version, batch_id::text
      FROM telemetry t
      WHERE device_id = ${q.deviceId} AND received_at >= ${new Date(q.from)} AND received_at < ${new Date(q.to)} ${keyset}
      ${order} LIMIT ${q.limit + 1}::int`;
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({
      id: r.id,
      receivedAt: r.received_at.toISOString(),
      sensorId: r.sensor_id,
      format: r.format,
      valueText: r.value_text,
      unit: r.unit,
      deviceTs: r.device_ts,
      skewMs: r.skew_ms === null ? null : Number(r.skew_ms),
      flags: r.flags,
      keyVersion: r.key_version,
      batchId: r.batch_id,
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor([last.at_text, last.id]) : null,
  };
}
