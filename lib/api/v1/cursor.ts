import { AppError } from '@/lib/errors/app-error';

// Keyset cursors of /api/v1 lists: opaque base64url of the last row's sort key. A cursor this
// list could not have made is a 400 naming `cursor`, never a silently different page.

export function encodeCursor(parts: string[]): string {
  return Buffer.from(parts.join('|')).toString('base64url');
}

/** The parts of a cursor, each checked against its pattern. */
export function decodeCursor(c: string, patterns: RegExp[]): string[] {
  const parts = Buffer.from(c, 'base64url').toString().split('|');
  if (parts.length !== patterns.length || !parts.every((p, i) => patterns[i].test(p))) throw new AppError('BAD_REQUEST', 'Invalid cursor: not a cursor of this list', { cursor: 'invalid' });
  return parts;
}
