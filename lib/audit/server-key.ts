import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

// The server's ECDSA P-256 key signs audit checkpoints. It lives outside the database (a
// database-only attacker cannot forge a checkpoint for a rewritten chain); the path is
// configurable with CUSTOS_SIGNING_KEY_FILE.

export interface TServerKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

export function signingKeyPath(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(/*turbopackIgnore: true*/ env.CUSTOS_SIGNING_KEY_FILE || path.join(env.CUSTOS_DATA_DIR || 'data', 'keys', 'audit-signing-key.pem'));
}

/** sha256 of the DER SubjectPublicKeyInfo, hex: names the key in checkpoints and exports. */
export function keyIdOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

export function loadServerKey(file = signingKeyPath()): TServerKey | null {
  if (!existsSync(file)) return null;
  const privateKey = createPrivateKey(readFileSync(file));
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return { privateKey, publicKeyPem, keyId: keyIdOf(publicKeyPem) };
}

/** Loads the key, generating it on first start (mode 0600 in a 0700 directory). */
export function loadOrCreateServerKey(file = signingKeyPath()): { key: TServerKey; created: boolean } {
  const existing = loadServerKey(file);
  if (existing) return { key: existing, created: false };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  const key = loadServerKey(file);
  if (!key) throw new Error(`could not read the signing key just written to ${file}`);
  return { key, created: true };
}
