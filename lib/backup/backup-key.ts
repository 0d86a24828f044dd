import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BackupIntegrityError } from '@/lib/backup/chunked-aead';

// The AES-256 key that encrypts backups (CUSTOS_BACKUP_KEY_FILE, created on first use, 0600).
// It must be kept apart from the backups: a copy of the backup directory without the key reveals
// nothing, and the key without the backups is a 64-character hex line to put in a safe.

export interface TBackupKey {
  key: Buffer;
  /** SHA-256 over a label and the key: names the key in file headers and manifests. */
  keyId: Buffer;
  keyIdHex: string;
  file: string;
}

export function backupKeyPath(env: Record<string, string | undefined> = process.env): string {
  return path.resolve(/*turbopackIgnore: true*/ env.CUSTOS_BACKUP_KEY_FILE || path.join(env.CUSTOS_DATA_DIR || 'data', 'keys', 'backup.key'));
}

export function backupKeyId(key: Buffer): Buffer {
  return createHash('sha256').update('custos.backup.key\0').update(key).digest();
}

export function loadOrCreateBackupKey(file = backupKeyPath()): TBackupKey {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (key.length !== 32) throw new Error(`${file} must hold a 32-byte key as 64 hex characters`);
  const keyId = backupKeyId(key);
  return { key, keyId, keyIdHex: keyId.toString('hex'), file };
}

/** The keyFor() of DecryptStream: refuses a file written under another key, naming both. */
export function keyResolver(k: TBackupKey): (keyId: Buffer) => Buffer {
  return (id) => {
    if (!id.equals(k.keyId)) {
      throw new BackupIntegrityError(
        'wrong_key',
        `The backup was encrypted with key ${id.toString('hex').slice(0, 16)}…, this server's backup key is ${k.keyIdHex.slice(0, 16)}… (CUSTOS_BACKUP_KEY_FILE)`,
      );
    }
    return k.key;
  };
}
