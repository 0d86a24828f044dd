import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Secrets kept in the database (MFA seeds, device HMAC keys) are encrypted with AES-256-GCM
// under a key that lives outside it (CUSTOS_SECRETS_KEY_FILE, created on first use, mode 0600).

function keyPath(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.CUSTOS_SECRETS_KEY_FILE || path.join(process.env.CUSTOS_DATA_DIR || 'data', 'keys', 'secrets.key'));
}

let cached: { file: string; key: Buffer } | null = null;

function key(): Buffer {
  const file = keyPath();
  if (cached?.file === file) return cached.key;
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const k = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (k.length !== 32) throw new Error(`${file} must hold 32 bytes as hex`);
  cached = { file, key: k };
  return k;
}

export function seal(plain: Uint8Array | string, aad = ''): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key(), iv);
  c.setAAD(Buffer.from(aad));
  const ct = Buffer.concat([c.update(typeof plain === 'string' ? Buffer.from(plain) : plain), c.final()]);
  return ['v1', iv.toString('base64'), c.getAuthTag().toString('base64'), ct.toString('base64')].join(':');
}

export function open(sealed: string, aad = ''): Buffer {
  const [v, iv, tag, ct] = sealed.split(':');
  if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('not a sealed secret');
  const d = createDecipheriv('aes-256-gcm', key(), Buffer.from(iv, 'base64'));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([d.update(Buffer.from(ct, 'base64')), d.final()]);
}
