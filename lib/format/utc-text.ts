/**
 * "2026-11-21 22:13:05": an instant in UTC to the second, fixed width, for lists, forms and
 * print. A string is taken as an ISO instant in UTC (as the database and the audit trail write
 * it) and cut, never re-parsed; a Date or epoch milliseconds is converted first.
 */
export function utcText(v: string | Date | number): string {
  const iso = typeof v === 'string' ? v : new Date(v).toISOString();
  return iso.slice(0, 19).replace('T', ' ');
}
