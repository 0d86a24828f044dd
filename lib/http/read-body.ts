import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AppError } from '@/lib/errors/app-error';

/** Reads at most `limit` bytes of a request body; larger bodies are refused before parsing. */
export async function readBodyLimited(req: Request, limit: number): Promise<string> {
  return (await readBodyBytes(req, limit)).toString('utf8');
}

export async function readBodyBytes(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > limit) throw new AppError('BAD_REQUEST', `Request body is larger than ${limit} bytes`);
  if (!req.body) return Buffer.alloc(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new AppError('BAD_REQUEST', `Request body is larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export interface TBoundedBody {
  /** The body, or its first `limit` bytes when it is larger. */
  bytes: Buffer;
  /** How many bytes were read in all (the whole body unless `complete` is false). */
  length: number;
  /** SHA-256 of everything read (the whole body unless `complete` is false). */
  sha256: Buffer;
  oversized: boolean;
  /** false when reading stopped at `hardCap` bytes: then `length` is a lower bound. */
  complete: boolean;
}

/**
 * Reads a body for the record rather than refusing it: at most `limit` bytes are kept, the rest
 * is only counted and hashed (up to `hardCap` bytes, then reading stops), so that an oversized
 * body can be quarantined as a truncated prefix with its length and SHA-256.
 */
export async function readBodyBounded(req: Request, limit: number, hardCap = 64 * 1024 * 1024): Promise<TBoundedBody> {
  return readChunksBounded(req.body as AsyncIterable<Uint8Array> | null, limit, hardCap);
}

/** What is kept, counted and hashed of a body as its chunks arrive (see readBodyBounded). */
class BoundedBody {
  private readonly hash = createHash('sha256');
  private readonly kept: Uint8Array[] = [];
  private keptBytes = 0;
  private length = 0;
  complete = true;

  constructor(
    private readonly limit: number,
    private readonly hardCap: number,
  ) {}

  /** Takes a chunk; false once `hardCap` bytes were read (read no more). */
  add(value: Uint8Array): boolean {
    this.length += value.byteLength;
    this.hash.update(value);
    if (this.keptBytes < this.limit) {
      const part = value.subarray(0, this.limit - this.keptBytes);
      this.kept.push(part);
      this.keptBytes += part.byteLength;
    }
    if (this.length >= this.hardCap) this.complete = false;
    return this.complete;
  }

  result(): TBoundedBody {
    const k = this.kept;
    return { bytes: k.length === 1 ? Buffer.from(k[0].buffer, k[0].byteOffset, k[0].byteLength) : Buffer.concat(k), length: this.length, sha256: this.hash.digest(), oversized: this.length > this.limit, complete: this.complete };
  }
}

/** The same over any stream of chunks (a web ReadableStream). */
export async function readChunksBounded(source: AsyncIterable<Uint8Array> | null, limit: number, hardCap = 64 * 1024 * 1024): Promise<TBoundedBody> {
  const body = new BoundedBody(limit, hardCap);
  if (source) {
    for await (const value of source) {
      // Leaving the loop cancels the stream: nothing more is read.
      if (!body.add(value)) break;
    }
  }
  return body.result();
}

/**
 * The same over a Node request, by its events (the hot path: an async iterator over a request
 * costs more than verifying a reading). At `hardCap` the request is destroyed, as leaving the
 * loop above does: nothing more is read.
 */
export function readNodeBodyBounded(req: Readable, limit: number, hardCap = 64 * 1024 * 1024): Promise<TBoundedBody> {
  return new Promise((resolve, reject) => {
    const body = new BoundedBody(limit, hardCap);
    // Whichever comes first settles the promise; what follows is ignored.
    const onData = (chunk: Buffer) => {
      if (body.add(chunk)) return;
      req.off('data', onData);
      resolve(body.result());
      req.destroy();
    };
    req.on('data', onData);
    req.once('end', () => resolve(body.result()));
    // A client gone before the end of its body: the request's 'error' (ECONNRESET), as for the iterator.
    req.once('error', reject);
  });
}
