import { AppError } from '@/lib/errors/app-error';

/**
 * CSRF: state-changing requests must come from our own pages. Browsers send Origin on every
 * cross-origin POST; a missing Origin (non-browser clients) falls back to Sec-Fetch-Site / Referer.
 */
export function assertSameOrigin(req: Request): void {
  const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host');
  const origin = req.headers.get('origin');
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') throw new AppError('FORBIDDEN', 'Cross-site request refused');
  const source = origin ?? req.headers.get('referer');
  if (!source) return;
  let sourceHost: string;
  try {
    sourceHost = new URL(source).host;
  } catch {
    throw new AppError('FORBIDDEN', 'Cross-site request refused');
  }
  if (!host || sourceHost !== host) throw new AppError('FORBIDDEN', 'Cross-site request refused');
}
