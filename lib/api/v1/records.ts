import type { z } from 'zod';
import { fieldsOf, ZCreateRecord, ZNewVersion, ZRecordListQuery, type ZRecord, type ZRecordPage } from '@/lib/api/v1/schemas';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import type { Prisma } from '@/lib/generated/prisma/client';
import { AppError } from '@/lib/errors/app-error';
import { createRecord } from '@/lib/records/create-record';
import { editRecord } from '@/lib/records/edit-record';
import { getRecord } from '@/lib/records/get-record';
import { requirePermission } from '@/lib/rbac/require-permission';

// Records over /api/v1: the services the UI uses, with their permission checks. There is no
// signing here: a signature is a person's (21 CFR 11.200), entered in the UI.

function badRequest(e: z.ZodError): never {
  const fields = fieldsOf(e);
  throw new AppError('BAD_REQUEST', `Invalid ${Object.keys(fields)[0]}: ${Object.values(fields)[0]}`, fields);
}

/** Cursor: the last row's (created_at, id), base64url — stable while records are edited. */
function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
}
function decodeCursor(c: string): { at: Date; id: string } {
  const [iso, id] = Buffer.from(c, 'base64url').toString().split('|');
  const at = new Date(iso ?? '');
  if (Number.isNaN(at.getTime()) || !/^[0-9a-f-]{36}$/.test(id ?? '')) throw new AppError('BAD_REQUEST', 'Invalid cursor', { cursor: 'invalid' });
  return { at, id };
}

export async function listRecordsPage(db: TDb, user: TCurrentUser, query: Record<string, string>): Promise<z.infer<typeof ZRecordPage>> {
  requirePermission(user, 'records.read');
  const p = ZRecordListQuery.safeParse(query);
  if (!p.success) badRequest(p.error);
  const q = p.data;
  const after = q.cursor ? decodeCursor(q.cursor) : null;
  const where: Prisma.RecordWhereInput = {
    AND: [
      q.kind ? { kind: q.kind } : {},
      q.status ? { status: q.status } : {},
      q.q ? { OR: [{ title: { contains: q.q, mode: 'insensitive' } }, { number: { contains: q.q, mode: 'insensitive' } }] } : {},
      q.updatedSince ? { updatedAt: { gte: new Date(q.updatedSince) } } : {},
      after ? { OR: [{ createdAt: { gt: after.at } }, { createdAt: after.at, id: { gt: after.id } }] } : {},
    ],
  };
  const rows = await db.record.findMany({
    where,
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: q.limit + 1,
    select: { id: true, number: true, kind: true, title: true, status: true, currentVersion: true, createdAt: true, updatedAt: true },
  });
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({ ...r, kind: r.kind as never, status: r.status as never, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}

export async function getRecordV1(db: TDb, user: TCurrentUser, id: string): Promise<z.infer<typeof ZRecord>> {
  const r = await getRecord(db, user, id);
  return {
    id: r.id,
    number: r.number,
    kind: r.kind,
    title: r.title,
    status: r.status,
    currentVersion: r.currentVersion,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    retiredAt: r.retiredAt?.toISOString() ?? null,
    versions: r.versions.map((v) => ({
      version: v.version,
      content: v.content,
      contentHash: v.contentHash,
      reason: v.reason,
      createdByName: v.createdByName,
      createdAt: v.createdAt.toISOString(),
      intact: v.intact,
    })),
    signatures: r.signatures.map((s) => ({
      version: s.version,
      printedName: s.printedName,
      employeeId: s.employeeId,
      meaning: s.meaning,
      transition: s.transition,
      signedAt: s.signedAt.toISOString(),
      contentHash: s.contentHash,
      validity: s.validity,
    })),
  };
}

export async function createRecordV1(db: TDb, user: TCurrentUser, body: unknown) {
  // Authority before input (the service checks again).
  requirePermission(user, 'records.create');
  const p = ZCreateRecord.safeParse(body);
  if (!p.success) badRequest(p.error);
  return createRecord(db, user, p.data);
}

export async function newVersionV1(db: TDb, user: TCurrentUser, id: string, body: unknown) {
  requirePermission(user, 'records.edit');
  const p = ZNewVersion.safeParse(body);
  if (!p.success) badRequest(p.error);
  const r = await editRecord(db, user, { recordId: id, ...p.data });
  return { id, version: r.version };
}
