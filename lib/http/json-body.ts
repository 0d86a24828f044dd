import { AppError } from '@/lib/errors/app-error';
import { readBodyLimited } from '@/lib/http/read-body';

/** A small JSON object body, or a 400 naming what is wrong with it. */
export async function readJsonObject(req: Request, limit = 16 * 1024): Promise<Record<string, unknown>> {
  const text = await readBodyLimited(req, limit);
  if (text.trim() === '') return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'Request body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AppError('BAD_REQUEST', 'Request body must be a JSON object');
  return body as Record<string, unknown>;
}
