import type pg from 'pg';
import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { loadServerKey } from '@/lib/audit/server-key';
import { verifyChain, type TVerifyResult } from '@/lib/audit/verify-chain';
import { verifySignatures, type TSignatureCheck } from '@/lib/esign/verify-signatures';
import { checkSignaturesAgainstChain, type TChainSignatureProblem } from '@/lib/audit/verify-signatures-chain';
import { verifyDerivedState, type TStateCheck } from '@/lib/audit/verify-state';
import type { TDb } from '@/lib/db/client';
import { verifyJunkAudits, type TJunkAuditCheck } from '@/lib/ingest/junk-audit';

export type TVerificationReport = TVerifyResult & {
  chainOk: boolean;
  signatures: TSignatureCheck;
  /** Each signature against its record.sign event and its version's content against record.create / record.edit. */
  signatureChain: { checked: number; invalid: TChainSignatureProblem[] };
  /** Live state (record status, user roles, role permissions, devices and keys, chain head) against a replay of the trail. */
  state: TStateCheck;
  /** Quarantined gateway junk against its per-address, per-minute audit events (count and Merkle root). */
  junk: TJunkAuditCheck;
};

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
  const signatureChain = await checkSignaturesAgainstChain(client);
  const state = await verifyDerivedState(client, chain.chainId);
  const junk = await verifyJunkAudits(client);
  const result: TVerificationReport = {
    ...chain,
    ok: chain.ok && signatures.invalid.length === 0 && signatureChain.invalid.length === 0 && state.ok && junk.ok,
    chainOk: chain.ok,
    signatures,
    signatureChain,
    state,
    junk,
  };
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
            display: { ok: result.display.ok, mismatches: result.display.mismatches, first: result.display.first[0] ?? null },
            signaturesChecked: signatures.checked,
            invalidSignatures: signatures.invalid,
            unsignedTail: result.unsignedTail,
            external: result.external && { seq: result.external.seq, status: result.external.status },
            stateDivergences: state.divergences.map((d) => ({ kind: d.kind, entity: d.entity, field: d.field })),
            junkAudits: { checked: junk.audits, problems: junk.problems.length },
            signaturesDisagreeingWithChain: signatureChain.invalid.map((p) => ({ signatureId: p.signatureId, record: p.recordNumber, version: p.version, field: p.field })),
            verifiedAt: result.verifiedAt,
          },
        },
      ],
      { chainId: result.chainId },
    ),
  );
  return result;
}

/** One line per finding of a failed verification, most fundamental first (the CLI prints them). */
export function verificationProblems(r: TVerificationReport): string[] {
  const out: string[] = [];
  if (r.broken) out.push(`BROKEN chain ${r.chainId} at seq ${r.broken.seq}: ${r.broken.reason} (${r.broken.detail})`);
  if (r.checkpoint && r.checkpoint.status !== 'ok') out.push(`BROKEN chain ${r.chainId}: ${r.checkpoint.detail}`);
  if (r.external && r.external.status !== 'ok' && r.external.status !== 'none') out.push(`BROKEN chain ${r.chainId}: ${r.external.detail}`);
  if (!r.display.ok) {
    const f = r.display.first[0];
    out.push(`ALTERED chain ${r.chainId}: ${r.display.mismatches} event(s) whose columns differ from the canonical text; first at seq ${f.seq}, column ${f.columns[0]} (${f.detail})`);
  }
  for (const s of r.signatures.invalid) out.push(`INVALID SIGNATURE ${s.signatureId} on record ${s.recordId} v${s.version}: ${s.validity}`);
  for (const p of r.signatureChain.invalid) out.push(`INVALID SIGNATURE ${p.signatureId} on record ${p.recordNumber} v${p.version}: ${p.detail}`);
  for (const d of r.state.divergences) out.push(`STATE DIVERGES (${d.kind} ${d.entity}, ${d.field}): ${d.detail}`);
  for (const p of r.junk.problems) out.push(`QUARANTINE AUDIT: ${p}`);
  return out;
}
