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
