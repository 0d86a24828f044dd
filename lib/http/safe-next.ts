/** Only same-site relative paths are followed after sign-in (no open redirect). */
export function safeNext(raw: unknown, fallback = '/'): string {
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return fallback;
  return raw.length > 500 ? fallback : raw;
}
