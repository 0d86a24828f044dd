import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb, TTx } from '@/lib/db/client';
import { checkSigner } from '@/lib/esign/check-signer';
import type { TSignatureMeaning } from '@/lib/esign/meanings';
import { AppError } from '@/lib/errors/app-error';
import { signPermissionFor, type TRecordKind } from '@/lib/records/kinds';
import { requirePermission } from '@/lib/rbac/require-permission';

// 21 CFR 11.10(i): people who use the system are trained for their tasks. A curriculum maps a
// role to controlled documents (`document` records); what is required is each document's newest
// approved version. A person completes it by an electronic signature of its own meaning, "read
// and understood", on that version. Signing a record with a meaning is refused while a role of
// the signer that grants that meaning has training overdue — past the grace period after the
// version was approved or the document was added to the curriculum (CUSTOS_TRAINING_GRACE_DAYS,
// default 14).

export const TRAINING_MEANING = 'READ_AND_UNDERSTOOD' as const;

export const graceDays = (env: NodeJS.ProcessEnv = process.env) => {
  const n = Number(env.CUSTOS_TRAINING_GRACE_DAYS ?? 14);
  return Number.isFinite(n) && n >= 0 ? n : 14;
};

type TQuery = TDb | TTx;

export interface TRequiredDoc {
  recordId: string;
  number: string;
  title: string;
  /** The newest approved version, or null: never approved yet (nothing is required). */
  version: number | null;
  revision: string | null;
  approvedAt: Date | null;
  addedAt: Date;
  dueAt: Date | null;
  roles: string[];
}

/** The documents the given roles require, each at its newest approved version. */
export async function requiredDocs(db: TQuery, roleIds: string[], env: NodeJS.ProcessEnv = process.env): Promise<TRequiredDoc[]> {
  if (roleIds.length === 0) return [];
  const rows = await db.$queryRaw<Array<{ record_id: string; number: string; title: string; added_at: Date; role: string; version: number | null; approved_at: Date | null; content: string | null }>>`
    SELECT c.record_id::text, r.number, r.title, c.added_at, ro.name AS role, a.version, a.signed_at AS approved_at, v.content_canonical AS content
      FROM curriculum_documents c
      JOIN records r ON r.id = c.record_id AND r.status <> 'retired'
      JOIN roles ro ON ro.id = c.role_id
      LEFT JOIN LATERAL (SELECT s.version, s.signed_at FROM signatures s WHERE s.record_id = c.record_id AND s.meaning = 'APPROVAL' ORDER BY s.version DESC LIMIT 1) a ON true
      LEFT JOIN record_versions v ON v.record_id = c.record_id AND v.version = a.version
     WHERE c.role_id = ANY(${roleIds}::uuid[])
     ORDER BY r.number`;
  const byDoc = new Map<string, TRequiredDoc>();
  const grace = graceDays(env) * 86_400_000;
  for (const row of rows) {
    const prev = byDoc.get(row.record_id);
    if (prev) {
      prev.roles.push(row.role);
      if (row.added_at < prev.addedAt) prev.addedAt = row.added_at;
      continue;
    }
    let revision: string | null = null;
    try {
      revision = row.content ? String((JSON.parse(row.content) as { revision?: unknown }).revision ?? '') : null;
    } catch {
      revision = null;
    }
    const start = row.approved_at && row.approved_at > row.added_at ? row.approved_at : row.added_at;
    byDoc.set(row.record_id, {
      recordId: row.record_id,
      number: row.number,
      title: row.title,
      version: row.version,
      revision,
      approvedAt: row.approved_at,
      addedAt: row.added_at,
      dueAt: row.version === null ? null : new Date(start.getTime() + grace),
      roles: [row.role],
    });
  }
  return [...byDoc.values()];
}

export interface TTrainingItem extends TRequiredDoc {
  status: 'current' | 'due' | 'overdue' | 'not_approved';
  completedAt: Date | null;
}

/** A person's training, for their profile and the matrix. */
export async function trainingOf(db: TQuery, userId: string, now = new Date(), env: NodeJS.ProcessEnv = process.env): Promise<TTrainingItem[]> {
  const roles = await db.userRole.findMany({ where: { userId }, select: { roleId: true } });
  const docs = await requiredDocs(db, roles.map((r) => r.roleId), env);
  const done = await db.trainingCompletion.findMany({ where: { userId, recordId: { in: docs.map((d) => d.recordId) } }, select: { recordId: true, version: true, signedAt: true } });
  return docs.map((d) => {
    const c = done.find((x) => x.recordId === d.recordId && x.version === d.version);
    const status = d.version === null ? 'not_approved' : c ? 'current' : d.dueAt && now > d.dueAt ? 'overdue' : 'due';
    return { ...d, status, completedAt: c?.signedAt ?? null };
  });
}

/**
 * Overdue training that blocks signing `meaning` on a record of `kind`: the documents of the
 * signer's roles that grant the meaning's permission. Empty: not blocked.
 */
export async function trainingBlock(db: TQuery, user: Pick<TCurrentUser, 'id'>, kind: TRecordKind, meaning: TSignatureMeaning, now = new Date(), env: NodeJS.ProcessEnv = process.env): Promise<TTrainingItem[]> {
  const perm = signPermissionFor(kind, meaning);
  if (!perm) return [];
  const roles = await db.userRole.findMany({ where: { userId: user.id, role: { permissions: { some: { permission: perm } } } }, select: { roleId: true } });
  if (roles.length === 0) return [];
  const docs = await requiredDocs(db, roles.map((r) => r.roleId), env);
  const done = await db.trainingCompletion.findMany({ where: { userId: user.id, recordId: { in: docs.map((d) => d.recordId) } }, select: { recordId: true, version: true } });
  return docs
    .filter((d) => d.version !== null && d.dueAt !== null && now > d.dueAt && !done.some((x) => x.recordId === d.recordId && x.version === d.version))
    .map((d) => ({ ...d, status: 'overdue' as const, completedAt: null }));
}

/** The refusal message naming the missing documents. */
export function trainingRefusal(items: Array<Pick<TTrainingItem, 'number' | 'title' | 'revision'>>): string {
  return `Training not current: sign "read and understood" for ${items.map((i) => `${i.number} ${i.title}${i.revision ? ` (revision ${i.revision})` : ''}`).join(', ')} first`;
}

export const ZCompleteTraining = z.object({
  recordId: z.uuid('Unknown document'),
  version: z.coerce.number().int().positive('Unknown version'),
  employeeId: z.string().max(64).optional(),
  password: z.string().max(1024).optional(),
});

/** "Read and understood" on the required version of a document: an electronic signature. */
export async function completeTraining(db: TDb, user: TCurrentUser, input: unknown) {
  const p = ZCompleteTraining.safeParse(input);
  if (!p.success) throw new AppError('BAD_REQUEST', p.error.issues[0].message);
  const mine = await trainingOf(db, user.id);
  const item = mine.find((i) => i.recordId === p.data.recordId);
  if (!item) throw new AppError('BAD_REQUEST', 'This document is not in the curriculum of any of your roles');
  if (item.version !== p.data.version) throw new AppError('CONFLICT', item.version === null ? 'This document has no approved version yet' : `Version ${p.data.version} is not the approved version (${item.version}): reload`);
  if (item.status === 'current') throw new AppError('CONFLICT', `You have already signed ${item.number} version ${item.version}`);
  const contextRef = `Training:${p.data.recordId}/v${p.data.version}`;
  const signer = await db.$transaction((tx) => checkSigner(tx, user, p.data, { contextRef }), { maxWait: 60_000, timeout: 60_000 });
  if (!signer.ok) throw new AppError(signer.locked ? 'LOCKED' : 'BAD_REQUEST', signer.message, signer.locked ? undefined : { password: signer.message });
  return db.$transaction(async (tx) => {
    const v = await tx.recordVersion.findUniqueOrThrow({ where: { recordId_version: { recordId: p.data.recordId, version: p.data.version } }, select: { contentHash: true } });
    const hash = Buffer.from(v.contentHash).toString('hex');
    const [ev] = await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'training.complete',
        entityType: 'Record',
        entityId: p.data.recordId,
        newValue: {
          number: item.number,
          version: p.data.version,
          revision: item.revision,
          contentHash: hash,
          meaning: TRAINING_MEANING,
          printedName: signer.signer.displayName,
          employeeId: signer.signer.employeeId,
        },
        contextRef,
      },
    ]);
    await tx.trainingCompletion.create({
      data: {
        userId: user.id,
        recordId: p.data.recordId,
        version: p.data.version,
        revision: item.revision ?? '',
        contentHash: v.contentHash,
        meaning: TRAINING_MEANING,
        printedName: signer.signer.displayName,
        employeeId: signer.signer.employeeId,
        signedAt: new Date(ev.occurredAt),
        auditChainId: ev.chainId,
        auditSeq: ev.seq,
      },
      select: { id: true },
    });
    return { signedAt: new Date(ev.occurredAt) };
  });
}

/** Roles × required documents × people: who is current, due or overdue. */
export async function trainingMatrix(db: TDb, viewer: TCurrentUser, now = new Date()) {
  requirePermission(viewer, 'training.read');
  const roles = await db.role.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true, users: { select: { user: { select: { id: true, employeeId: true, displayName: true, status: true } } } } } });
  const out = [];
  for (const r of roles) {
    const docs = await requiredDocs(db, [r.id]);
    const people = r.users.map((u) => u.user).filter((u) => u.status === 'active');
    const completions = await db.trainingCompletion.findMany({ where: { recordId: { in: docs.map((d) => d.recordId) }, userId: { in: people.map((p) => p.id) } }, select: { userId: true, recordId: true, version: true } });
    out.push({
      role: r.name,
      docs: docs.map((d) => {
        const cells = people.map((p) => {
          const ok = completions.some((c) => c.userId === p.id && c.recordId === d.recordId && c.version === d.version);
          return { employeeId: p.employeeId, displayName: p.displayName, status: d.version === null ? 'not_approved' : ok ? 'current' : d.dueAt && now > d.dueAt ? 'overdue' : 'due' };
        });
        return { ...d, people: cells };
      }),
    });
  }
  return out;
}

/** Approved, not retired documents: what a curriculum may name. */
export async function curriculumChoices(db: TDb) {
  return db.record.findMany({ where: { kind: 'document', status: { not: 'retired' } }, orderBy: { number: 'asc' }, select: { id: true, number: true, title: true, status: true } });
}

/** Applies an approved curriculum change in the deciding transaction. */
export async function applyCurriculum(tx: TTx, p: { role: string; documents: string[] }, now: Date) {
  const role = await tx.role.findUnique({ where: { name: p.role }, select: { id: true } });
  if (!role) return { ok: false as const, reason: `The role ${p.role} no longer exists` };
  const docs = await tx.record.findMany({ where: { number: { in: p.documents }, kind: 'document' }, select: { id: true, number: true } });
  if (docs.length !== p.documents.length) return { ok: false as const, reason: `Not a document: ${p.documents.filter((n) => !docs.some((d) => d.number === n)).join(', ')}` };
  const before = await tx.curriculumDocument.findMany({ where: { roleId: role.id }, select: { recordId: true } });
  const added = docs.filter((d) => !before.some((b) => b.recordId === d.id));
  const removed = before.filter((b) => !docs.some((d) => d.id === b.recordId));
  if (removed.length) await tx.curriculumDocument.deleteMany({ where: { roleId: role.id, recordId: { in: removed.map((r) => r.recordId) } } });
  if (added.length) await tx.curriculumDocument.createMany({ data: added.map((d) => ({ roleId: role.id, recordId: d.id, addedAt: now })) });
  return { ok: true as const, effect: { role: p.role, documents: p.documents, added: added.map((d) => d.number), removedCount: removed.length } };
}
