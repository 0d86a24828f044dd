/**
 * A page's own address with its query, for requirePageUser's way back (`/unlock?next=…`,
 * `/login?next=…`): a filtered view (`/audit?actor=E1&action=auth.*`) comes back with its
 * filters after the unlock. Repeated keys stay repeated; empty values are kept as typed.
 */
export function pathWithQuery(path: string, searchParams: Record<string, string | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(searchParams)) {
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else if (typeof v === 'string') q.append(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}
