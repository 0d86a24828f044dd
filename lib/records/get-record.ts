import { defaultChainId } from '@/lib/audit/chain-id';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import type { TSignatureMeaning } from '@/lib/esign/meanings';
import { trailEntry } from '@/lib/audit/trail-entry';
import { checkSignaturesAgainstChain } from '@/lib/audit/verify-signatures-chain';
import { signatureValidity, type TSignatureValidity } from '@/lib/esign/signature-validity';

const INVALID_TEXT = { content_changed: 'the stored content no longer matches its hash', hash_mismatch: 'the stored content differs from what was signed' };
import { AppError } from '@/lib/errors/app-error';
import type { TRecordKind } from '@/lib/records/kinds';
import type { TRecordStatus } from '@/lib/records/lifecycle';
import { requirePermission } from '@/lib/rbac/require-permission';

export interface TSignatureView {
  id: string;
  signerId: string;
  version: number;
  printedName: string;
  employeeId: string;
  role: string;
  meaning: TSignatureMeaning;
  transition: string;
  comment: string | null;
  signedAt: Date;
  contextRef: string;
  contentHash: string;
  auditSeq: string;
  /** `chain_mismatch`: the row or its version's content disagrees with the audit chain (see invalidReason). */
  validity: TSignatureValidity | 'chain_mismatch';
  /** Why the signature is INVALID, in words; null when it is valid. */
  invalidReason: string | null;
}

export interface TVersionView {
  id: string;
  version: number;
  content: Record<string, unknown>;
  contentHash: string;
  reason: string | null;
  createdByName: string;
  createdById: string;
  createdAt: Date;
  signatureIds: string[];
  intact: boolean;
}

export interface TRecordView {
  id: string;
  number: string;
  kind: TRecordKind;
  title: string;
  status: TRecordStatus;
  currentVersion: number;
  createdAt: Date;
  updatedAt: Date;
  retiredAt: Date | null;
  retiredReason: string | null;
  versions: TVersionView[];
  signatures: TSignatureView[];
  audit: Array<{ seq: string; occurredAt: Date; actorId: string; actorName: string | null; action: string; reason: string | null; contextRef: string | null }>;
}

/** One record with every version, every signature (checked against the stored content) and its audit trail. */
export async function getRecord(db: TDb, user: TCurrentUser, recordId: string): Promise<TRecordView> {
  requirePermission(user, 'records.read');
  if (!/^[0-9a-f-]{36}$/i.test(recordId)) throw new AppError('NOT_FOUND', 'Record not found');
  const r = await db.record.findUnique({
    where: { id: recordId },
    select: {
      id: true,
      number: true,
      kind: true,
      title: true,
      status: true,
      currentVersion: true,
      createdAt: true,
      updatedAt: true,
      retiredAt: true,
      retiredReason: true,
      versions: {
        orderBy: { version: 'asc' },
        select: { id: true, version: true, contentCanonical: true, contentHash: true, reason: true, createdBy: true, createdByName: true, createdAt: true },
      },
      signatures: {
        orderBy: { signedAt: 'asc' },
        select: {
          id: true,
          recordVersionId: true,
          signerId: true,
          version: true,
          printedName: true,
          signerEmployeeId: true,
          signerRole: true,
          meaning: true,
          transition: true,
          comment: true,
          signedAt: true,
          contextRef: true,
          contentHash: true,
          auditSeq: true,
        },
      },
    },
  });
  if (!r) throw new AppError('NOT_FOUND', 'Record not found');
  const audit = await db.auditEvent.findMany({
    where: { chainId: defaultChainId(), entityType: 'Record', entityId: recordId },
    orderBy: { seq: 'desc' },
    take: 200,
    select: { seq: true, canonical: true },
  });
  const byId = new Map(r.versions.map((v) => [v.id, v]));
  // 11.50 / 11.70: each signature against its record.sign event and the version's content hash in the chain.
  const chain = r.signatures.length ? await checkSignaturesAgainstChain(db, { recordId }) : { invalid: [] };
  const chainProblem = new Map(chain.invalid.map((p) => [p.signatureId, p.detail]));
  const signatures: TSignatureView[] = r.signatures.map((s) => {
    const v = byId.get(s.recordVersionId)!;
    const own = signatureValidity(s, v);
    const validity = own !== 'valid' ? own : chainProblem.has(s.id) ? 'chain_mismatch' : 'valid';
    return {
      id: s.id,
      signerId: s.signerId,
      version: s.version,
      printedName: s.printedName,
      employeeId: s.signerEmployeeId,
      role: s.signerRole,
      meaning: s.meaning as TSignatureMeaning,
      transition: s.transition,
      comment: s.comment,
      signedAt: s.signedAt,
      contextRef: s.contextRef,
      contentHash: Buffer.from(s.contentHash).toString('hex'),
      auditSeq: s.auditSeq.toString(),
      validity,
      invalidReason: validity === 'valid' ? null : (chainProblem.get(s.id) ?? INVALID_TEXT[own as Exclude<TSignatureValidity, 'valid'>]),
    };
  });
  return {
    id: r.id,
    number: r.number,
    kind: r.kind as TRecordKind,
    title: r.title,
    status: r.status as TRecordStatus,
    currentVersion: r.currentVersion,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    retiredAt: r.retiredAt,
    retiredReason: r.retiredReason,
    versions: r.versions.map((v) => {
      let content: Record<string, unknown> = {};
      try {
        content = JSON.parse(v.contentCanonical) as Record<string, unknown>;
      } catch {
        content = {};
      }
      return {
        id: v.id,
        version: v.version,
        content,
        contentHash: Buffer.from(v.contentHash).toString('hex'),
        reason: v.reason,
        createdByName: v.createdByName,
        createdById: v.createdBy,
        createdAt: v.createdAt,
        signatureIds: signatures.filter((s) => s.version === v.version).map((s) => s.id),
        intact: signatureValidity({ contentHash: v.contentHash }, v) === 'valid',
      };
    }),
    signatures,
    // What the chain proves (the canonical text), not the display columns beside it.
    audit: audit.map((a) => trailEntry(a.seq, a.canonical)),
  };
}
