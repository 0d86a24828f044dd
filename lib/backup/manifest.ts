import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalize } from '@/lib/audit/canonical';
import { signPayload, verifyPayload } from '@/lib/audit/checkpoint';
import { keyIdOf, type TServerKey } from '@/lib/audit/server-key';

// The manifest states what a backup is and ties it to the audit chain: the head (seq, hash) and
// the newest signed checkpoint inside the snapshot. It is signed with the server's ECDSA key and
// its SHA-256 goes into the `backup.created` event, so the chain names every backup it has.
// Persisted (beside the backup and in the database) and hashed: changing it needs a new `v`.

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const ZManifest = z.object({
  type: z.literal('custos.backup.manifest'),
  v: z.literal(1),
  backup_id: z.uuid(),
  created_at: z.string(),
  custos_version: z.string(),
  engine: z.enum(['postgres', 'pglite']),
  /** `pg_dump -Fc` for PostgreSQL; Custos' COPY stream for PGlite (lib/backup/pglite-dump.ts). */
  dump_format: z.enum(['pg_dump_custom', 'custos_copy_v1']),
  postgres_major: z.number().int(),
  server_version: z.string(),
  migration_id: z.string(),
  migrations: z.array(z.object({ name: z.string(), checksum: z.string() })),
  chain: z.object({ chain_id: z.string(), head_seq: z.string(), head_hash: z.string() }),
  checkpoint: z.object({ seq: z.string(), hash: z.string(), signed_at: z.string(), key_id: z.string() }).nullable(),
  file: z.string(),
  size: z.number().int(),
  plaintext_size: z.number().int(),
  ciphertext_sha256: hex64,
  encryption: z.object({ alg: z.literal('AES-256-GCM'), format_version: z.number().int(), chunk_size: z.number().int(), key_id: hex64 }),
  /** The public half of the audit signing key and its id: what the checkpoints are verified with. */
  signing_key: z.object({ key_id: hex64, public_key_pem: z.string() }),
});
export type TManifest = z.infer<typeof ZManifest>;

export const ZManifestFile = z.object({ manifest: ZManifest, signature: z.string().regex(/^[0-9a-f]+$/), key_id: hex64 });
export type TManifestFile = z.infer<typeof ZManifestFile>;

export function manifestCanonical(m: TManifest): string {
  return canonicalize(m);
}

export function manifestHash(m: TManifest): string {
  return createHash('sha256').update(manifestCanonical(m), 'utf8').digest('hex');
}

export function signManifest(m: TManifest, key: TServerKey): TManifestFile {
  return { manifest: m, signature: signPayload(key.privateKey, manifestCanonical(m)).toString('hex'), key_id: key.keyId };
}

export type TManifestCheck = { ok: true; manifest: TManifest; hash: string } | { ok: false; reason: string };

/**
 * Parses and checks a manifest file: its shape, that the key named is the one in it and the one
 * trusted (the server's), and the signature.
 */
export function checkManifest(raw: unknown, trustedPublicKeyPem: string | null): TManifestCheck {
  const p = ZManifestFile.safeParse(raw);
  if (!p.success) return { ok: false, reason: `The manifest is malformed (${p.error.issues[0]?.path.join('.') || 'root'}: ${p.error.issues[0]?.message})` };
  const { manifest, signature, key_id } = p.data;
  if (keyIdOf(manifest.signing_key.public_key_pem) !== manifest.signing_key.key_id || key_id !== manifest.signing_key.key_id) {
    return { ok: false, reason: 'The manifest names a signing key that is not the one it carries' };
  }
  if (trustedPublicKeyPem && keyIdOf(trustedPublicKeyPem) !== key_id) {
    return { ok: false, reason: `The manifest was signed by key ${key_id.slice(0, 16)}…, not by this server's key ${keyIdOf(trustedPublicKeyPem).slice(0, 16)}…` };
  }
  if (!verifyPayload(manifest.signing_key.public_key_pem, manifestCanonical(manifest), Buffer.from(signature, 'hex'))) {
    return { ok: false, reason: 'The manifest signature does not verify: the manifest was altered' };
  }
  return { ok: true, manifest, hash: manifestHash(manifest) };
}
