import { createHash, type Hash } from 'node:crypto';
import { canonicalize } from '@/lib/audit/canonical';
import { signPayload } from '@/lib/audit/checkpoint';
import type { TExportHeader, TExportRow } from '@/lib/audit/export/export-source';
import type { TServerKey } from '@/lib/audit/server-key';

// The evidence bundle: one RFC 8785 (canonical) JSON document an auditor can verify offline
// with public/verify-audit-bundle.mjs and nothing but Node. Keys are written in canonical
// order while streaming; `server_signature` sorts last, and signs (ECDSA P-256) the canonical
// text of the bundle without it — so any single changed byte is detected.

export const BUNDLE_FORMAT = 'custos.audit.bundle/1';
/** What the bundle keeps of each event: the hashed text and the links; nothing derived. */
export const BUNDLE_ROW_COLUMNS = ['seq', 'canonical', 'prev_hash', 'hash'] as const satisfies ReadonlyArray<keyof TExportRow>;

export class BundleWriter {
  private readonly hash: Hash = createHash('sha256');
  private first = true;

  constructor(
    private readonly h: TExportHeader,
    private readonly key: TServerKey,
    private readonly checkpoints: Array<Record<string, string>>,
  ) {}

  private out(s: string): string {
    this.hash.update(s, 'utf8');
    return s;
  }

  start(): string {
    const h = this.h;
    return this.out(
      `{"chain_id":${canonicalize(h.chainId)}` +
        `,"chain_verification":${canonicalize({ ok: h.verification.ok, summary: h.verification.summary, from: h.verification.checkedFrom, to: h.verification.checkedTo })}` +
        `,"checkpoints":${canonicalize(this.checkpoints)}` +
        `,"events":[`,
    );
  }

  rows(rows: Array<Pick<TExportRow, (typeof BUNDLE_ROW_COLUMNS)[number]>>): string {
    let s = '';
    for (const r of rows) {
      s += (this.first ? '' : ',') + canonicalize({ canonical: r.canonical, hash: r.hash, prev_hash: r.prev_hash, seq: r.seq });
      this.first = false;
    }
    return this.out(s);
  }

  end(): string {
    const h = this.h;
    const rest =
      `],"exported_at":${canonicalize(h.exportedAt)}` +
      `,"exported_by":${canonicalize(h.exportedBy)}` +
      `,"filter":${canonicalize(h.filter)}` +
      `,"format":${canonicalize(BUNDLE_FORMAT)}` +
      `,"server_public_key":${canonicalize(this.key.publicKeyPem)}`;
    this.out(rest);
    // The signed text is the canonical bundle without server_signature: what was written plus "}".
    const digestInput = this.hash.copy().update('}').digest();
    const signature = signPayload(this.key.privateKey, digestInput.toString('hex')).toString('hex');
    return `${rest},"server_signature":${canonicalize({ alg: 'ES256', key_id: this.key.keyId, signed: 'sha256-hex', value: signature })}}`;
  }
}

export function bundleCheckpoints(h: TExportHeader): Array<Record<string, string>> {
  const c = h.checkpoint;
  if (!c) return [];
  return [{ hash: c.hash, id: c.id, key_id: c.keyId, payload: c.payload, public_key: c.publicKey, seq: c.seq, signature: c.signature, signed_at: c.signedAt }];
}

