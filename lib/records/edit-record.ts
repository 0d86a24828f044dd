import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { canonicalContent } from '@/lib/records/content-hash';
import type { TRecordKind } from '@/lib/records/kinds';
import { STATUS_LABEL, isEditable, type TRecordStatus } from '@/lib/records/lifecycle';
import { parseContent } from '@/lib/records/parse-content';
import { requirePermission } from '@/lib/rbac/require-permission';

const ZEdit = z.object({
  recordId: z.uuid('Unknown record'),
  baseVersion: z.coerce.number().int().positive(),
  reason: z.string().trim().min(3, 'Give the reason for this change').max(2000, 'Reason is too long'),
});

/**
 * A change makes a new immutable version with its reason; the old version stays as it was.
 * 21 CFR 11.10(e): the audit event records old → new content and the reason.
 */
export async function editRecord(
  db: TDb,
  user: TCurrentUser,
  input: { recordId: unknown; baseVersion: unknown; reason: unknown; content: unknown },
): Promise<{ version: number }> {
  requirePermission(user, 'records.edit');
  const meta = ZEdit.safeParse(input);
  if (!meta.success) {
    const fields: Record<string, string> = {};
    for (const i of meta.error.issues) fields[String(i.path[0])] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const { recordId, baseVersion, reason } = meta.data;
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ kind: TRecordKind; status: TRecordStatus; current_version: number }>>`
      SELECT kind, status, current_version FROM records WHERE id = ${recordId}::uuid FOR UPDATE`;
    const r = rows[0];
    if (!r) throw new AppError('NOT_FOUND', 'Record not found');
    if (!isEditable(r.status)) throw new AppError('CONFLICT', `A record that is ${STATUS_LABEL[r.status].toLowerCase()} cannot be edited`);
    if (r.current_version !== baseVersion) {
      throw new AppError('CONFLICT', `Version ${r.current_version} was saved after the one you edited (v${baseVersion}); reload and edit again`);
    }
    const content = parseContent(r.kind, input.content);
    const prev = await tx.recordVersion.findUniqueOrThrow({
      where: { recordId_version: { recordId, version: r.current_version } },
      select: { contentCanonical: true, contentHash: true },
    });
    const { canonical, hash } = canonicalContent(content);
    if (canonical === prev.contentCanonical) throw new AppError('BAD_REQUEST', 'Nothing was changed');
    const version = r.current_version + 1;
    await tx.recordVersion.create({
      data: { recordId, version, contentCanonical: canonical, contentHash: hash, reason, createdBy: user.id, createdByName: user.displayName },
      select: { id: true },
    });
    await tx.record.update({
      where: { id: recordId },
      data: { currentVersion: version, status: 'draft', title: String(content.title).slice(0, 300), updatedAt: new Date(), rowVersion: { increment: 1 } },
      select: { id: true },
    });
    await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'record.edit',
        entityType: 'Record',
        entityId: recordId,
        oldValue: { version: r.current_version, status: r.status, contentHash: Buffer.from(prev.contentHash).toString('hex'), content: JSON.parse(prev.contentCanonical) },
        newValue: { version, status: 'draft', contentHash: hash.toString('hex'), content },
        reason,
        contextRef: `Record:${recordId}/v${version}`,
      },
    ]);
    return { version };
  });
}
