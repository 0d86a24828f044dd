import { createHash } from 'node:crypto';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requireAnyPermission, requirePermission } from '@/lib/rbac/require-permission';

// Files kept with one version of a record — the OQ evidence report's PDF and JSON — so what QA
// signs is the record whose body names the files' SHA-256, and the files are in Custos beside it.
// Attached only to a draft, by the author of its version; append-only; audited as record.attach.

export const ATTACHMENT_TYPES = ['application/pdf', 'application/json'] as const;
export const ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;

export async function attachFiles(db: TDb, user: TCurrentUser, recordId: string, files: Array<{ filename: string; contentType: string; bytes: Buffer }>) {
  requireAnyPermission(user, ['records.create', 'records.edit']);
  for (const f of files) {
    if (!(ATTACHMENT_TYPES as readonly string[]).includes(f.contentType)) throw new AppError('BAD_REQUEST', `${f.filename}: only PDF or JSON files are attached`);
    if (f.bytes.length === 0 || f.bytes.length > ATTACHMENT_MAX_BYTES) throw new AppError('BAD_REQUEST', `${f.filename} must be between 1 byte and 20 MiB`);
  }
  return db.$transaction(async (tx) => {
    const r = await tx.record.findUnique({ where: { id: recordId }, select: { status: true, currentVersion: true } });
    if (!r) throw new AppError('NOT_FOUND', 'Record not found');
    if (r.status !== 'draft') throw new AppError('CONFLICT', 'Files are attached to a draft only: a signed version stays as it was signed');
    const v = await tx.recordVersion.findUniqueOrThrow({ where: { recordId_version: { recordId, version: r.currentVersion } }, select: { createdBy: true } });
    if (v.createdBy !== user.id) throw new AppError('FORBIDDEN', 'Only the author of this version attaches files to it');
    const refs = files.map((f) => ({ ...f, sha256: createHash('sha256').update(f.bytes).digest() }));
    const [ev] = await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'record.attach',
        entityType: 'Record',
        entityId: recordId,
        newValue: { version: r.currentVersion, files: refs.map((f) => ({ filename: f.filename, contentType: f.contentType, size: f.bytes.length, sha256: f.sha256.toString('hex') })) },
      },
    ]);
    for (const f of refs) {
      await tx.recordAttachment.create({
        data: { recordId, version: r.currentVersion, filename: f.filename, contentType: f.contentType, sizeBytes: f.bytes.length, sha256: f.sha256, bytes: new Uint8Array(f.bytes), createdBy: user.employeeId, createdAt: new Date(ev.occurredAt) },
        select: { id: true },
      });
    }
    return refs.map((f) => ({ filename: f.filename, sha256: f.sha256.toString('hex') }));
  });
}

export async function listAttachments(db: TDb, user: Pick<TCurrentUser, 'permissions'>, recordId: string) {
  requirePermission(user, 'records.read');
  const rows = await db.recordAttachment.findMany({ where: { recordId }, orderBy: [{ version: 'asc' }, { filename: 'asc' }], select: { id: true, version: true, filename: true, contentType: true, sizeBytes: true, sha256: true } });
  return rows.map((r) => ({ ...r, sha256: Buffer.from(r.sha256).toString('hex') }));
}

export async function getAttachment(db: TDb, user: Pick<TCurrentUser, 'permissions'>, id: string) {
  requirePermission(user, 'records.read');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND', 'Attachment not found');
  const a = await db.recordAttachment.findUnique({ where: { id }, select: { filename: true, contentType: true, bytes: true, sha256: true } });
  if (!a) throw new AppError('NOT_FOUND', 'Attachment not found');
  return { filename: a.filename, contentType: a.contentType, bytes: Buffer.from(a.bytes), sha256: Buffer.from(a.sha256).toString('hex') };
}
