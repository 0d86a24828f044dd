import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb, TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { canonicalContent } from '@/lib/records/content-hash';
import { KIND_CONFIG, isRecordKind, type TRecordKind } from '@/lib/records/kinds';
import { initialStatus } from '@/lib/records/lifecycle';
import { parseContent } from '@/lib/records/parse-content';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TCreatedRecord {
  id: string;
  number: string;
  version: number;
}

/** A person creates a record (version 1, draft). */
export async function createRecord(db: TDb, user: TCurrentUser, input: { kind: unknown; content: unknown }): Promise<TCreatedRecord> {
  requirePermission(user, 'records.create');
  if (!isRecordKind(input.kind) || !KIND_CONFIG[input.kind].manual) {
    throw new AppError('BAD_REQUEST', 'Choose a record kind', { kind: 'Choose a record kind' });
  }
  const content = parseContent(input.kind, input.content);
  return db.$transaction((tx) =>
    insertRecord(tx, { kind: input.kind as TRecordKind, content, actor: userActor(user, user.sessionId), authorId: user.id, authorName: user.displayName }),
  );
}

/**
 * Inserts a record with its first version and the audit event, in the caller's transaction.
 * Also used by telemetry ingestion for excursions (actor: the system).
 */
export async function insertRecord(
  tx: TTx,
  opts: { kind: TRecordKind; content: Record<string, unknown>; actor: TAuditActor; authorId: string; authorName: string },
): Promise<TCreatedRecord> {
  const { canonical, hash } = canonicalContent(opts.content);
  // One counter per kind (custos_next_record_number): BR-000001, DEV-000001, …
  const [{ n }] = await tx.$queryRaw<Array<{ n: bigint }>>`SELECT custos_next_record_number(${opts.kind}) AS n`;
  const number = `${KIND_CONFIG[opts.kind].prefix}-${String(n).padStart(6, '0')}`;
  const title = String(opts.content.title ?? number).slice(0, 300);
  const status = initialStatus(opts.kind);
  const record = await tx.record.create({
    data: {
      number,
      kind: opts.kind,
      title,
      status,
      currentVersion: 1,
      createdBy: opts.authorId,
      versions: {
        create: {
          version: 1,
          contentCanonical: canonical,
          contentHash: hash,
          createdBy: opts.authorId,
          createdByName: opts.authorName,
        },
      },
    },
    select: { id: true },
  });
  // 21 CFR 11.10(e): the creation, its content hash and the first version commit together.
  await appendAudit(tx, [
    {
      actor: opts.actor,
      action: 'record.create',
      entityType: 'Record',
      entityId: record.id,
      newValue: { number, kind: opts.kind, status, version: 1, contentHash: hash.toString('hex'), content: opts.content },
      contextRef: `Record:${record.id}/v1`,
    },
  ]);
  return { id: record.id, number, version: 1 };
}
