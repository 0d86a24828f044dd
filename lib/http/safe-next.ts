// No open redirect (ASVS 5.1.5): `next` is followed only when it is a path on this site as the
// browser will read it. The WHATWG URL parser strips tabs and newlines and turns `\` into `/`
// before it resolves, so `/\t/evil.example` is `//evil.example` to a browser: the value is
// resolved against a fixed origin with that parser, must stay on it, and is returned in its
// normalized form (path, query, fragment), which no browser reads differently. Anything else: `/`.

const BASE = 'http://custos.invalid';

export function safeNext(raw: unknown, fallback = '/'): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 500) return fallback;
  if (!raw.startsWith('/')) return fallback;
  const stripped = raw.replace(/[\t\n\r]/g, '').replace(/^[\x00-\x20]+/, '');
  if (/^[/\\]{2}/.test(stripped)) return fallback;
  let u: URL;
  try {
    u = new URL(raw, BASE);
  } catch {
    return fallback;
  }
  if (u.origin !== BASE) return fallback;
  const out = `${u.pathname}${u.search}${u.hash}`;
  if (!out.startsWith('/') || /^[/\\]{2}/.test(out)) return fallback;
  return out;
}
