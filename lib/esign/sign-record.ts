import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb, TTx } from '@/lib/db/client';
import { auditRefusedSigning } from '@/lib/esign/audit-refused-signing';
import { checkSigner, signerError } from '@/lib/esign/check-signer';
import { sessionRef } from '@/lib/auth/session-ref';
import { recordContextRef } from '@/lib/esign/manifestation';
import { isMeaning, type TSignatureMeaning } from '@/lib/esign/meanings';
import { checkSegregation } from '@/lib/esign/sod-rules';
import { trainingBlock, trainingRefusal } from '@/lib/training/training';
import { AppError, type TAppErrorCode } from '@/lib/errors/app-error';
import { contentHashOf } from '@/lib/records/content-hash';
import { KIND_CONFIG, allSignPermissions, signPermissionFor, signPermissionsForMeaning, type TRecordKind } from '@/lib/records/kinds';
import { STATUS_LABEL, findTransition, type TRecordStatus } from '@/lib/records/lifecycle';
import { requireAnyPermission } from '@/lib/rbac/require-permission';
import type { TPermission } from '@/lib/rbac/permissions';

export const ZSignRecord = z.object({
  recordId: z.uuid('Unknown record'),
  version: z.coerce.number().int().positive('Unknown version'),
  transition: z.string().regex(/^[a-z_]{1,40}$/, 'Unknown transition'),
  meaning: z.string().refine(isMeaning, 'Choose the meaning of your signature'),
  comment: z.string().trim().max(2000, 'Comment is too long').optional().default(''),
  employeeId: z.string().max(64).optional(),
  password: z.string().max(1024).optional(),
});

export interface TSignResult {
  signatureId: string;
  status: TRecordStatus;
  signedAt: Date;
  contextRef: string;
}

type TOutcome = { ok: true; result: TSignResult } | { ok: false; code: TAppErrorCode; message: string; field?: string; retryAfterS?: number };

/**
 * Signs one version of a record and moves it through its lifecycle (21 CFR 11.50, 11.70, 11.200).
 * Everything — the credential check, the signature row, the status change and the audit
 * events — is one transaction on the locked record row, so two concurrent approvals yield one.
 * A refused signing is audited too, and its failed credential check still counts toward lockout.
 */
export async function signRecord(db: TDb, user: TCurrentUser, input: unknown): Promise<TSignResult> {
  // Some signing permission first; which one the meaning needs is checked below. Either
  // refusal is audited like the other signing refusals (who tried to sign what).
  const all = allSignPermissions();
  if (!all.some((x) => user.permissions.has(x))) {
    const message = `You do not have any of the permissions ${all.join(', ')}`;
    const target = ZSignRecord.safeParse(input);
    if (target.success) {
      const { recordId, version, transition } = target.data;
      await auditRefusedSigning(db, user, { entityType: 'Record', entityId: recordId, contextRef: recordContextRef(recordId, version, transition), reason: message });
    }
    requireAnyPermission(user, all);
  }
  const p = ZSignRecord.safeParse(input);
  if (!p.success) {
    const fields: Record<string, string> = {};
    for (const i of p.error.issues) fields[String(i.path[0])] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const req = p.data;
  const outcome = await db.$transaction((tx) => signInTx(tx, user, req), { maxWait: 60_000, timeout: 60_000 });
  if (!outcome.ok) throw new AppError(outcome.code, outcome.message, outcome.field ? { [outcome.field]: outcome.message } : undefined, outcome.retryAfterS);
  return outcome.result;
}

async function signInTx(tx: TTx, user: TCurrentUser, req: z.output<typeof ZSignRecord>): Promise<TOutcome> {
  const contextRef = recordContextRef(req.recordId, req.version, req.transition);
  const actor = userActor(user, user.sessionId);
  const refuse = async (code: TAppErrorCode, message: string, field?: string): Promise<TOutcome> => {
    await appendAudit(tx, [
      { actor, action: 'esign.refused', entityType: 'Record', entityId: req.recordId, reason: message, contextRef, newValue: { meaning: req.meaning } },
    ]);
    return { ok: false, code, message, field };
  };

  // 11.10(g): the authority of the meaning, before anything else — the password included.
  const lacking = (perms: TPermission[]) => (perms.length === 1 ? `You do not have the permission ${perms[0]}` : `You do not have any of the permissions ${perms.join(', ')}`);
  const meaningPerms = signPermissionsForMeaning(req.meaning as TSignatureMeaning);
  if (!meaningPerms.some((p) => user.permissions.has(p))) return refuse('FORBIDDEN', lacking(meaningPerms));

  const rows = await tx.$queryRaw<Array<{ kind: TRecordKind; status: TRecordStatus; current_version: number }>>`
    SELECT kind, status, current_version FROM records WHERE id = ${req.recordId}::uuid FOR UPDATE`;
  const rec = rows[0];
  if (!rec) return { ok: false, code: 'NOT_FOUND', message: 'Record not found' };
  if (req.version !== rec.current_version) {
    return refuse('CONFLICT', `Version ${req.version} is superseded by version ${rec.current_version}: sign the current version`);
  }
  const t = findTransition(rec.kind, req.transition);
  if (!t) return refuse('BAD_REQUEST', 'Unknown transition');
  if (!t.from.includes(rec.status)) {
    return refuse('CONFLICT', `This record is ${STATUS_LABEL[rec.status].toLowerCase()}: "${t.label}" is not possible now`);
  }
  if (req.meaning !== t.meaning) return refuse('BAD_REQUEST', `"${t.label}" is signed with the meaning ${t.meaning}`, 'meaning');
  const kindPerm = signPermissionFor(rec.kind, t.meaning);
  if (!kindPerm || !user.permissions.has(kindPerm)) return refuse('FORBIDDEN', kindPerm ? lacking([kindPerm]) : `A ${KIND_CONFIG[rec.kind].label.toLowerCase()} is not signed with the meaning ${t.meaning}`);
  if (t.meaning === 'REJECTION' && !req.comment) return refuse('BAD_REQUEST', 'A rejection needs a comment saying why', 'comment');

  const version = await tx.recordVersion.findUniqueOrThrow({
    where: { recordId_version: { recordId: req.recordId, version: req.version } },
    select: { id: true, createdBy: true, contentCanonical: true, contentHash: true, signatures: { select: { signerId: true, meaning: true } } },
  });
  const sod = checkSegregation(KIND_CONFIG[rec.kind], {
    signerId: user.id,
    meaning: t.meaning,
    versionAuthorId: version.createdBy,
    prior: version.signatures.filter((s) => isMeaning(s.meaning)) as Array<{ signerId: string; meaning: typeof t.meaning }>,
  });
  if (sod) return refuse('FORBIDDEN', sod);

  // 11.10(i): training for this meaning must be current (not after the grace period).
  const block = await trainingBlock(tx, user, rec.kind, t.meaning);
  if (block.length) return refuse('FORBIDDEN', trainingRefusal(block));

  const signer = await checkSigner(tx, user, req, { contextRef });
  if (!signer.ok) {
    const e = signerError(signer);
    return { ok: false, code: e.code, message: e.message, field: e.fields ? 'password' : undefined, retryAfterS: e.retryAfterS };
  }

  // Sign only what is really stored: content that no longer matches its hash is not signed.
  const hash = contentHashOf(version.contentCanonical);
  if (!hash.equals(Buffer.from(version.contentHash))) {
    return refuse('CONFLICT', `The stored content of version ${req.version} does not match its hash; it cannot be signed. Report this to QA.`);
  }

  const roles = signer.signer.roles.join(', ') || '(no role)';
  const signatureId = randomUUID();
  const [ev] = await appendAudit(tx, [
    {
      actor,
      action: 'record.sign',
      entityType: 'Record',
      entityId: req.recordId,
      oldValue: { status: rec.status },
      newValue: {
        signatureId,
        meaning: t.meaning,
        transition: t.name,
        version: req.version,
        status: t.to,
        contentHash: hash.toString('hex'),
        printedName: signer.signer.displayName,
        employeeId: signer.signer.employeeId,
        role: roles,
        comment: req.comment || null,
      },
      reason: req.comment || null,
      contextRef,
    },
  ]);
  const signedAt = new Date(ev.occurredAt);
  const sig = await tx.signature.create({
    data: {
      id: signatureId,
      recordId: req.recordId,
      recordVersionId: version.id,
      version: req.version,
      signerId: user.id,
      signerEmployeeId: signer.signer.employeeId,
      printedName: signer.signer.displayName,
      signerRole: roles,
      meaning: t.meaning,
      transition: t.name,
      comment: req.comment || null,
      signedAt,
      contextRef,
      contentHash: hash,
      auditChainId: ev.chainId,
      auditSeq: ev.seq,
      sessionId: sessionRef(user.sessionId),
    },
    select: { id: true },
  });
  await tx.record.update({
    where: { id: req.recordId },
    data: { status: t.to, updatedAt: signedAt, rowVersion: { increment: 1 } },
    select: { id: true },
  });
  await tx.session.update({ where: { id: user.sessionId }, data: { signedAt }, select: { id: true } });
  return { ok: true, result: { signatureId: sig.id, status: t.to, signedAt, contextRef } };
}
