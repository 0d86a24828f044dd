import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

// The encrypted backup file: a header, then independently authenticated AES-256-GCM chunks.
// Persisted format: changing it needs a new FORMAT_VERSION, and decryption of older versions kept.
//
//   header  = "CUSTOSBK" | version u8 | chunk size u32 BE | key id (32 bytes) | nonce prefix (8 bytes)
//   chunk i = ciphertext length u32 BE | ciphertext | GCM tag (16 bytes)
//   nonce_i = nonce prefix (8) ‖ i as u32 BE            (unique per file and chunk: a fresh prefix per file)
//   AAD_i   = header ‖ i as u32 BE ‖ last flag u8       (1 on the final chunk only)
//
// The header is in every chunk's associated data, so an altered key id, version or chunk size
// fails the first chunk. The counter in the nonce detects reordering, the last flag truncation
// at a chunk boundary, and anything after the final chunk is refused. A chunk's plaintext is
// released only after its tag verified.

export const MAGIC = Buffer.from('CUSTOSBK', 'latin1');
export const FORMAT_VERSION = 1;
export const HEADER_LEN = MAGIC.length + 1 + 4 + 32 + 8;
export const DEFAULT_CHUNK_SIZE = 1 << 20;
const MAX_CHUNK_SIZE = 16 << 20;
const TAG_LEN = 16;

export class BackupIntegrityError extends Error {
  constructor(
    readonly code: 'not_a_backup' | 'unsupported_version' | 'wrong_key' | 'chunk_auth_failed' | 'truncated' | 'trailing_data',
    message: string,
  ) {
    super(message);
    this.name = 'BackupIntegrityError';
  }
}

export interface THeader {
  version: number;
  chunkSize: number;
  keyId: Buffer;
  noncePrefix: Buffer;
}

export function encodeHeader(h: THeader): Buffer {
  const b = Buffer.alloc(HEADER_LEN);
  MAGIC.copy(b, 0);
  b.writeUInt8(h.version, 8);
  b.writeUInt32BE(h.chunkSize, 9);
  h.keyId.copy(b, 13);
  h.noncePrefix.copy(b, 45);
  return b;
}

export function decodeHeader(b: Buffer): THeader {
  if (b.length < HEADER_LEN || !b.subarray(0, 8).equals(MAGIC)) throw new BackupIntegrityError('not_a_backup', 'Not a Custos backup file (bad header)');
  const version = b.readUInt8(8);
  if (version !== FORMAT_VERSION) throw new BackupIntegrityError('unsupported_version', `Backup format version ${version} is not supported (this Custos reads version ${FORMAT_VERSION})`);
  const chunkSize = b.readUInt32BE(9);
  if (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE) throw new BackupIntegrityError('not_a_backup', `Backup header names an impossible chunk size (${chunkSize})`);
  return { version, chunkSize, keyId: Buffer.from(b.subarray(13, 45)), noncePrefix: Buffer.from(b.subarray(45, 53)) };
}

function nonce(prefix: Buffer, i: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(i, 8);
  return n;
}

function aad(header: Buffer, i: number, last: boolean): Buffer {
  const a = Buffer.alloc(header.length + 5);
  header.copy(a, 0);
  a.writeUInt32BE(i, header.length);
  a.writeUInt8(last ? 1 : 0, header.length + 4);
  return a;
}

/**
 * Encrypts a plaintext stream. Holds at most one chunk of plaintext: memory stays constant
 * whatever the size of the backup.
 */
export class EncryptStream extends Transform {
  private readonly header: Buffer;
  private readonly prefix: Buffer;
  private buf: Buffer[] = [];
  private bufLen = 0;
  private index = 0;

  constructor(
    private readonly key: Buffer,
    keyId: Buffer,
    private readonly chunkSize = DEFAULT_CHUNK_SIZE,
  ) {
    super();
    if (key.length !== 32) throw new Error('AES-256 needs a 32-byte key');
    if (keyId.length !== 32) throw new Error('key id must be 32 bytes');
    this.prefix = randomBytes(8);
    this.header = encodeHeader({ version: FORMAT_VERSION, chunkSize, keyId, noncePrefix: this.prefix });
    this.push(this.header);
  }

  private seal(plain: Buffer, last: boolean) {
    if (this.index === 0xffffffff) throw new Error('backup too large for one nonce prefix');
    const c = createCipheriv('aes-256-gcm', this.key, nonce(this.prefix, this.index));
    c.setAAD(aad(this.header, this.index, last));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(ct.length);
    this.push(len);
    this.push(ct);
    this.push(c.getAuthTag());
    this.index++;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    try {
      this.buf.push(chunk);
      this.bufLen += chunk.length;
      // Keep at least one byte back: the final chunk must be the one sealed with last = 1.
      while (this.bufLen > this.chunkSize) {
        const all = Buffer.concat(this.buf, this.bufLen);
        this.seal(all.subarray(0, this.chunkSize), false);
        const rest = all.subarray(this.chunkSize);
        this.buf = [rest];
        this.bufLen = rest.length;
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback) {
    try {
      this.seal(Buffer.concat(this.buf, this.bufLen), true);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}

/**
 * Decrypts and authenticates chunk by chunk. `keyFor(keyId)` returns the key, or throws a
 * BackupIntegrityError('wrong_key') naming both ids. Nothing of a chunk is pushed before its
 * tag verified; an error ends the stream, so a consumer (pg_restore) never sees unverified bytes.
 */
export class DecryptStream extends Transform {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private header: Buffer | null = null;
  private parsed: THeader | null = null;
  private key: Buffer | null = null;
  private index = 0;
  private sawLast = false;
  /** Plaintext bytes released so far. */
  plainBytes = 0;

  constructor(private readonly keyFor: (keyId: Buffer) => Buffer) {
    super();
  }

  get keyId(): Buffer | null {
    return this.parsed?.keyId ?? null;
  }

  private takeBytes(n: number): Buffer | null {
    if (this.pendingLen < n) return null;
    const all = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLen);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length ? [rest] : [];
    this.pendingLen = rest.length;
    return out;
  }

  private peekU32(): number | null {
    if (this.pendingLen < 4) return null;
    const first = this.pending[0].length >= 4 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLen);
    return first.readUInt32BE(0);
  }

  private drain() {
    if (!this.header) {
      const h = this.takeBytes(HEADER_LEN);
      if (!h) return;
      this.parsed = decodeHeader(h);
      this.header = Buffer.from(h);
      this.key = this.keyFor(this.parsed.keyId);
    }
    for (;;) {
      const len = this.peekU32();
      if (len === null) return;
      if (this.sawLast) throw new BackupIntegrityError('trailing_data', `Data after the final chunk (chunk ${this.index}): the file was altered`);
      if (len > this.parsed!.chunkSize) throw new BackupIntegrityError('chunk_auth_failed', `Chunk ${this.index} has an impossible length (${len}): the file was altered`);
      if (this.pendingLen < 4 + len + TAG_LEN) return;
      this.takeBytes(4);
      const ct = this.takeBytes(len)!;
      const tag = this.takeBytes(TAG_LEN)!;
      this.push(this.open(ct, tag));
    }
  }

  private open(ct: Buffer, tag: Buffer): Buffer {
    // Which flag the chunk was sealed with is not stored: try "not last" first (every chunk but
    // one), then "last". A truncated file therefore fails as "no final chunk", not as a forgery.
    for (const last of [false, true]) {
      const d = createDecipheriv('aes-256-gcm', this.key!, nonce(this.parsed!.noncePrefix, this.index));
      d.setAAD(aad(this.header!, this.index, last));
      d.setAuthTag(tag);
      const plain = d.update(ct);
      try {
        d.final();
      } catch {
        continue;
      }
      this.index++;
      this.sawLast = last;
      this.plainBytes += plain.length;
      return plain;
    }
    throw new BackupIntegrityError(
      'chunk_auth_failed',
      `Chunk ${this.index} failed authentication: the file was altered, its chunks reordered, or it was encrypted with another key`,
    );
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    try {
      this.drain();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback) {
    try {
      this.drain();
      if (!this.header) return cb(new BackupIntegrityError('truncated', 'The backup file is shorter than its header: truncated'));
      if (this.pendingLen > 0) return cb(new BackupIntegrityError('truncated', `The backup file ends inside chunk ${this.index}: truncated`));
      if (!this.sawLast) return cb(new BackupIntegrityError('truncated', `The backup file ends after chunk ${this.index - 1} without its final chunk: truncated`));
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }
}
