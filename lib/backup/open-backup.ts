import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadServerKey } from '@/lib/audit/server-key';
import { keyResolver, loadOrCreateBackupKey } from '@/lib/backup/backup-key';
import { BackupIntegrityError, DecryptStream } from '@/lib/backup/chunked-aead';
import { backupDir } from '@/lib/backup/config';
import { checkManifest, type TManifest } from '@/lib/backup/manifest';

export interface TOpenedBackup {
  file: string;
  manifest: TManifest;
  manifestHash: string;
}

export class BackupRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupRefused';
  }
}

/**
 * The backup file and its manifest, checked: the manifest's shape and signature (by this
 * server's key), and — when given — that its hash is the one the catalogue or a change request
 * names. The file itself is checked by verifyBackupFile.
 */
export async function openBackup(fileName: string, expectedManifestHash?: string): Promise<TOpenedBackup> {
  if (path.basename(fileName) !== fileName) throw new BackupRefused(`Not a backup file name: ${fileName}`);
  const file = path.join(backupDir(), fileName);
  if (!existsSync(file)) throw new BackupRefused(`The backup file ${fileName} is not in ${backupDir()}`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(`${file}.manifest.json`, 'utf8'));
  } catch (e) {
    throw new BackupRefused(`The manifest of ${fileName} cannot be read: ${(e as Error).message}`);
  }
  const server = loadServerKey();
  const check = checkManifest(raw, server?.publicKeyPem ?? null);
  if (!check.ok) throw new BackupRefused(check.reason);
  if (expectedManifestHash && check.hash !== expectedManifestHash) {
    throw new BackupRefused(`The manifest of ${fileName} has hash ${check.hash.slice(0, 16)}…, not the ${expectedManifestHash.slice(0, 16)}… recorded for it`);
  }
  if (check.manifest.file !== fileName) throw new BackupRefused(`The manifest describes ${check.manifest.file}, not ${fileName}`);
  return { file, manifest: check.manifest, manifestHash: check.hash };
}

/**
 * Streams the verified plaintext of a backup into `sink`. Each chunk is authenticated before it
 * is passed on; at the end the ciphertext's SHA-256 and size must be the manifest's. Throws
 * BackupRefused with the precise reason (altered, reordered, truncated, wrong key).
 */
export async function decryptBackup(b: TOpenedBackup, sink: Writable): Promise<{ plaintextBytes: number }> {
  const key = loadOrCreateBackupKey();
  const sha = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _e, cb) {
      sha.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const dec = new DecryptStream(keyResolver(key));
  try {
    await pipeline(createReadStream(b.file, { highWaterMark: 1 << 20 }), tap, dec, sink);
  } catch (e) {
    if (e instanceof BackupIntegrityError) throw new BackupRefused(`${b.manifest.file}: ${e.message}`);
    throw e;
  }
  const digest = sha.digest('hex');
  if (digest !== b.manifest.ciphertext_sha256 || size !== b.manifest.size) {
    throw new BackupRefused(`${b.manifest.file}: its SHA-256 ${digest.slice(0, 16)}… (${size} bytes) is not the manifest's ${b.manifest.ciphertext_sha256.slice(0, 16)}… (${b.manifest.size} bytes): another file`);
  }
  return { plaintextBytes: dec.plainBytes };
}

/** Decrypts and authenticates the whole file without restoring anything. */
export async function verifyBackupFile(b: TOpenedBackup): Promise<{ plaintextBytes: number }> {
  return decryptBackup(b, new Writable({ write: (_c, _e, cb) => cb() }));
}
