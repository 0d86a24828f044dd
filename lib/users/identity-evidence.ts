import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb, TTx } from '@/lib/db/client';
import { requirePermission } from '@/lib/rbac/require-permission';
import { AppError } from '@/lib/errors/app-error';
import { IDENTITY_METHODS } from '@/lib/users/identity-labels';

// 21 CFR 11.100(b): before an account — and so an electronic signature — is allocated, the
// person's identity is verified. A user.create request says how (method, reference, who
// verified) and may carry evidence files, kept append-only and named in the payload by SHA-256.

export { IDENTITY_METHODS, IDENTITY_METHOD_LABEL } from '@/lib/users/identity-labels';

export const ZIdentity = z.object({
  method: z.enum(IDENTITY_METHODS, { error: 'Say how the identity was verified' }),
  reference: z.string().trim().min(2, 'Give the reference (e.g. the HR record number)').max(200),
  verifiedBy: z.string().trim().min(3, 'Name who verified the identity').max(200),
});
export type TIdentity = z.output<typeof ZIdentity>;

export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024;
export const EVIDENCE_MAX_FILES = 5;
const MAGIC: Record<string, (b: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
};
export const EVIDENCE_TYPES = Object.keys(MAGIC);

export interface TEvidenceFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

export interface TEvidenceRef {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

/** Refuses what is not a PDF, PNG or JPEG (by its bytes, not only its name), empty, or over the limit. */
export function checkEvidence(files: TEvidenceFile[]): void {
  if (files.length > EVIDENCE_MAX_FILES) throw new AppError('BAD_REQUEST', `At most ${EVIDENCE_MAX_FILES} evidence files`, { evidence: 'too many' });
  for (const f of files) {
    const name = f.filename.trim();
    if (!name || name.length > 200) throw new AppError('BAD_REQUEST', 'An evidence file needs a name of at most 200 characters', { evidence: 'name' });
    if (f.bytes.length === 0) throw new AppError('BAD_REQUEST', `${name} is empty`, { evidence: 'empty' });
    if (f.bytes.length > EVIDENCE_MAX_BYTES) throw new AppError('BAD_REQUEST', `${name} is larger than 5 MiB`, { evidence: 'too large' });
    const check = MAGIC[f.contentType];
    if (!check) throw new AppError('BAD_REQUEST', `${name}: only PDF, PNG or JPEG files are kept as evidence`, { evidence: 'type' });
    if (!check(f.bytes)) throw new AppError('BAD_REQUEST', `${name} is not a ${f.contentType} file`, { evidence: 'type' });
  }
}

/** Stores the files in the caller's transaction; returns what the payload names them by. */
export async function storeEvidence(tx: TTx, uploadedBy: string, files: TEvidenceFile[]): Promise<TEvidenceRef[]> {
  const out: TEvidenceRef[] = [];
  for (const f of files) {
    const sha256 = createHash('sha256').update(f.bytes).digest();
    const row = await tx.identityEvidence.create({
      data: { sha256, filename: f.filename.trim(), contentType: f.contentType, sizeBytes: f.bytes.length, bytes: new Uint8Array(f.bytes), uploadedBy },
      select: { id: true },
    });
    out.push({ id: row.id, filename: f.filename.trim(), contentType: f.contentType, size: f.bytes.length, sha256: sha256.toString('hex') });
  }
  return out;
}

/** One stored evidence file, for a person holding users.read (the approver, an auditor). */
export async function getEvidence(db: TDb, viewer: Pick<TCurrentUser, 'permissions'>, id: string) {
  requirePermission(viewer, 'users.read');
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('NOT_FOUND', 'Evidence not found');
  const e = await db.identityEvidence.findUnique({ where: { id }, select: { filename: true, contentType: true, bytes: true, sha256: true } });
  if (!e) throw new AppError('NOT_FOUND', 'Evidence not found');
  return { filename: e.filename, contentType: e.contentType, bytes: Buffer.from(e.bytes), sha256: Buffer.from(e.sha256).toString('hex') };
}
