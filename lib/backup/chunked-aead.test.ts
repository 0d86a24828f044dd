import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { backupKeyId, keyResolver } from '@/lib/backup/backup-key';
import { DecryptStream, EncryptStream, HEADER_LEN } from '@/lib/backup/chunked-aead';

const key = randomBytes(32);
const k = { key, keyId: backupKeyId(key), keyIdHex: backupKeyId(key).toString('hex'), file: '(test)' };

async function encrypt(plain: Buffer, chunkSize = 1000): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(Readable.from([plain.subarray(0, 333), plain.subarray(333)]), new EncryptStream(key, k.keyId, chunkSize), new Writable({ write: (c, _e, cb) => (out.push(c), cb()) }));
  return Buffer.concat(out);
}

async function decrypt(file: Buffer, kk = k): Promise<{ plain: Buffer; released: number }> {
  const out: Buffer[] = [];
  let released = 0;
  const parts = [];
  for (let i = 0; i < file.length; i += 700) parts.push(file.subarray(i, i + 700));
  await pipeline(
    Readable.from(parts),
    new DecryptStream(keyResolver(kk)),
    new Writable({ write: (c: Buffer, _e, cb) => ((released += c.length), out.push(c), cb()) }),
  ).catch((e: unknown) => {
    throw Object.assign(e as Error, { released });
  });
  return { plain: Buffer.concat(out), released };
}

/** Offsets of chunk i: [start of length field, end of tag). */
function chunkBounds(file: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let off = HEADER_LEN;
  while (off < file.length) {
    const len = file.readUInt32BE(off);
    out.push([off, off + 4 + len + 16]);
    off += 4 + len + 16;
  }
  return out;
}

describe('[11.10(c)] chunked AES-256-GCM backup encryption', () => {
  const plain = randomBytes(4500);

  it('round-trips any size, the empty stream included', async () => {
    expect((await decrypt(await encrypt(plain))).plain.equals(plain)).toBe(true);
    expect((await decrypt(await encrypt(Buffer.alloc(0)))).plain.length).toBe(0);
    expect((await decrypt(await encrypt(randomBytes(3000)))).plain.length).toBe(3000); // exact multiple of the chunk size
  });

  it('refuses one flipped byte in a chunk and releases none of that chunk', async () => {
    const file = await encrypt(plain);
    const [s, e] = chunkBounds(file)[2];
    file[s + 10] ^= 0x01;
    const err = await decrypt(file).catch((x: unknown) => x as Error & { released: number });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/Chunk 2 failed authentication/);
    // Chunks 0 and 1 verified before; nothing of chunk 2.
    expect((err as { released: number }).released).toBe(2000);
    expect(e).toBeGreaterThan(s);
  });

  it('refuses a file truncated at a chunk boundary and inside a chunk', async () => {
    const file = await encrypt(plain);
    const b = chunkBounds(file);
    await expect(decrypt(file.subarray(0, b[3][1]))).rejects.toThrow(/without its final chunk: truncated/);
    await expect(decrypt(file.subarray(0, b[3][1] + 7))).rejects.toThrow(/ends inside chunk 4: truncated/);
    await expect(decrypt(file.subarray(0, 20))).rejects.toThrow(/shorter than its header/);
  });

  it('refuses swapped chunks', async () => {
    const file = await encrypt(plain);
    const b = chunkBounds(file);
    const swapped = Buffer.concat([file.subarray(0, b[0][0]), file.subarray(b[1][0], b[1][1]), file.subarray(b[0][0], b[0][1]), file.subarray(b[2][0])]);
    await expect(decrypt(swapped)).rejects.toThrow(/Chunk 0 failed authentication: .*reordered/);
  });

  it('refuses an appended chunk and an altered header', async () => {
    const file = await encrypt(plain);
    const b = chunkBounds(file);
    await expect(decrypt(Buffer.concat([file, file.subarray(b[0][0], b[0][1])]))).rejects.toThrow(/Data after the final chunk/);
    const h = Buffer.from(file);
    h[50] ^= 0xff; // nonce prefix
    await expect(decrypt(h)).rejects.toThrow(/Chunk 0 failed authentication/);
  });

  it('refuses a file encrypted under another key, naming both key ids', async () => {
    const other = randomBytes(32);
    const ok = { key: other, keyId: backupKeyId(other), keyIdHex: backupKeyId(other).toString('hex'), file: '(other)' };
    await expect(decrypt(await encrypt(plain), ok)).rejects.toThrow(new RegExp(`encrypted with key ${k.keyIdHex.slice(0, 16)}.*backup key is ${ok.keyIdHex.slice(0, 16)}`));
  });

  it('uses a fresh nonce prefix per file', async () => {
    const a = await encrypt(plain);
    const b = await encrypt(plain);
    expect(a.subarray(45, 53).equals(b.subarray(45, 53))).toBe(false);
  });
});
