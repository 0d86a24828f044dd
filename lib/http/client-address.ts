import { isIP } from 'node:net';

// The client's address for the trail and the rate limit. `X-Forwarded-For` is honoured only
// through proxies listed in CUSTOS_TRUSTED_PROXIES (comma-separated addresses): the chain is
// read from the right, skipping trusted proxies, and the first other hop is the client. With no
// trusted proxies only the nearest hop counts (the socket address, which the Next server puts
// there when no proxy did). Anything that is not an IP address (e.g. `<script>`) is never kept.

export function trustedProxies(env: Record<string, string | undefined> = process.env): Set<string> {
  return new Set(
    (env.CUSTOS_TRUSTED_PROXIES ?? '')
      .split(',')
      .map((s) => normalizeAddress(s.trim()))
      .filter((s): s is string => s !== null),
  );
}

export function normalizeAddress(raw: string): string | null {
  let s = raw.trim();
  if (s.startsWith('[') && s.includes(']')) s = s.slice(1, s.indexOf(']'));
  if (s.startsWith('::ffff:') && isIP(s.slice(7)) === 4) s = s.slice(7);
  return isIP(s) ? s.toLowerCase() : null;
}

let memo: { raw: string | undefined; set: Set<string> } | null = null;
/** trustedProxies() of this process's environment, parsed again only when it changed. */
export function currentTrustedProxies(): Set<string> {
  const raw = process.env.CUSTOS_TRUSTED_PROXIES;
  if (!memo || memo.raw !== raw) memo = { raw, set: trustedProxies() };
  return memo.set;
}

export function clientAddress(forwardedFor: string | null | undefined, trusted: Set<string> = currentTrustedProxies()): string | null {
  const hops = (forwardedFor ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  if (hops.length === 0) return null;
  for (let i = hops.length - 1; i >= 0; i--) {
    const a = normalizeAddress(hops[i]);
    if (a === null) return null;
    // The nearest hop is trusted only if configured; then keep walking left.
    if (!trusted.has(a) || i === 0) return a;
  }
  return null;
}

/** A user agent as stored: printable, at most 300 characters. */
export function cleanUserAgent(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const s = raw.replace(/[^\x20-\x7e]/g, '').slice(0, 300);
  return s || null;
}
