import type pg from 'pg';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { loadServerKey } from '@/lib/audit/server-key';
import { verifyChain, type TVerifyResult } from '@/lib/audit/verify-chain';
import { verifySignatures, type TSignatureCheck } from '@/lib/esign/verify-signatures';
import type { TDb } from '@/lib/db/client';

export type TVerificationReport = TVerifyResult & { chainOk: boolean; signatures: TSignatureCheck };

/**
 * Verifies the chain and records the verification (who, range, result) as an audit event:
 * the verification itself is evidence an auditor may ask for.
 */
export async function runVerification(
  db: TDb,
  client: pg.ClientBase,
  opts: {
    actor: TAuditActor;
    chainId?: string;
    fromSeq?: bigint;
    toSeq?: bigint;
    onProgress?: (verified: number, total: number) => void;
  },
): Promise<TVerificationReport> {
  const key = loadServerKey();
  const chain = await verifyChain(client, {
    chainId: opts.chainId,
    fromSeq: opts.fromSeq,
    toSeq: opts.toSeq,
    trustedPublicKeyPem: key?.publicKeyPem ?? null,
    onProgress: opts.onProgress,
  });
  // 11.70: a signature whose record content no longer matches what was signed breaks the trail too.
  const signatures = await verifySignatures(client);
  const result: TVerificationReport = { ...chain, ok: chain.ok && signatures.invalid.length === 0, chainOk: chain.ok, signatures };
  await db.$transaction((tx) =>
    appendAudit(
      tx,
      [
        {
          actor: opts.actor,
          action: 'audit.verify',
          entityType: 'AuditChain',
          entityId: result.chainId,
          newValue: {
            ok: result.ok,
            from: result.from,
            to: result.to,
            count: result.count,
            headSeq: result.headSeq,
            headHash: result.headHash,
            broken: result.broken,
            checkpoint: result.checkpoint && { seq: result.checkpoint.seq, status: result.checkpoint.status },
            signaturesChecked: signatures.checked,
            invalidSignatures: signatures.invalid,
            verifiedAt: result.verifiedAt,
          },
        },
      ],
      { chainId: result.chainId },
    ),
  );
  return result;
}
