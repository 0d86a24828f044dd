import canonicalizeJcs from 'canonicalize';

/** RFC 8785 (JCS) text of a JSON value. Throws on values JSON cannot represent. */
export function canonicalize(value: unknown): string {
  const text = canonicalizeJcs(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}
