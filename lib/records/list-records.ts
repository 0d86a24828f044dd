import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import type { Prisma } from '@/lib/generated/prisma/client';
import { AppError } from '@/lib/errors/app-error';
import { RECORD_KINDS } from '@/lib/records/kinds';
import { RECORD_STATUSES } from '@/lib/records/lifecycle';
import { requirePermission } from '@/lib/rbac/require-permission';

export const ZListRecords = z.object({
  kind: z.enum(RECORD_KINDS).optional(),
  status: z.enum(RECORD_STATUSES).optional(),
  q: z.string().trim().max(100).optional(),
  sort: z.enum(['updated', 'number', 'title']).default('updated'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(5).max(100).default(25),
});
export type TListRecordsQuery = z.input<typeof ZListRecords>;

export interface TRecordRow {
  id: string;
  number: string;
  kind: string;
  title: string;
  status: string;
  currentVersion: number;
  updatedAt: string;
  lastSignature: { printedName: string; employeeId: string; meaning: string; signedAt: string } | null;
}

/** One page of records, filtered and sorted in the database (lists page on the server). */
export async function listRecords(db: TDb, user: TCurrentUser, raw: unknown) {
  requirePermission(user, 'records.read');
  const p = ZListRecords.safeParse(raw);
  if (!p.success) {
    const i = p.error.issues[0];
    throw new AppError('BAD_REQUEST', `Invalid ${String(i.path[0])}: ${i.message}`, { [String(i.path[0])]: i.message });
  }
  const q = p.data;
  const where: Prisma.RecordWhereInput = {
    ...(q.kind ? { kind: q.kind } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.q ? { OR: [{ title: { contains: q.q, mode: 'insensitive' } }, { number: { contains: q.q, mode: 'insensitive' } }] } : {}),
  };
  const orderBy: Prisma.RecordOrderByWithRelationInput[] =
    q.sort === 'number' ? [{ number: q.dir }] : q.sort === 'title' ? [{ title: q.dir }, { id: 'asc' }] : [{ updatedAt: q.dir }, { id: 'asc' }];
  const [total, rows] = await Promise.all([
    db.record.count({ where }),
    db.record.findMany({
      where,
      orderBy,
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
      select: {
        id: true,
        number: true,
        kind: true,
        title: true,
        status: true,
        currentVersion: true,
        updatedAt: true,
        signatures: {
          orderBy: { signedAt: 'desc' },
          take: 1,
          select: { printedName: true, signerEmployeeId: true, meaning: true, signedAt: true },
        },
      },
    }),
  ]);
  const items: TRecordRow[] = rows.map((r) => ({
    id: r.id,
    number: r.number,
    kind: r.kind,
    title: r.title,
    status: r.status,
    currentVersion: r.currentVersion,
    updatedAt: r.updatedAt.toISOString(),
    lastSignature: r.signatures[0]
      ? {
          printedName: r.signatures[0].printedName,
          employeeId: r.signatures[0].signerEmployeeId,
          meaning: r.signatures[0].meaning,
          signedAt: r.signatures[0].signedAt.toISOString(),
        }
      : null,
  }));
  return { items, total, page: q.page, pageSize: q.pageSize, query: q };
}
