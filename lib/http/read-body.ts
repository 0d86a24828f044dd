import { createHash } from 'node:crypto';
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

/** The same over any stream of chunks (a web ReadableStream, a Node IncomingMessage). */
export async function readChunksBounded(source: AsyncIterable<Uint8Array> | null, limit: number, hardCap = 64 * 1024 * 1024): Promise<TBoundedBody> {
  const hash = createHash('sha256');
  const kept: Uint8Array[] = [];
  let keptBytes = 0;
  let length = 0;
  let complete = true;
  if (source) {
    for await (const value of source) {
      length += value.byteLength;
      hash.update(value);
      if (keptBytes < limit) {
        const part = value.subarray(0, limit - keptBytes);
        kept.push(part);
        keptBytes += part.byteLength;
      }
      if (length >= hardCap) {
        // Leaving the loop cancels the stream: nothing more is read.
        complete = false;
        break;
      }
    }
  }
  return { bytes: kept.length === 1 ? Buffer.from(kept[0].buffer, kept[0].byteOffset, kept[0].byteLength) : Buffer.concat(kept), length, sha256: hash.digest(), oversized: length > limit, complete };
}
