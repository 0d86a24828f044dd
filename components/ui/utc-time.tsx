/** "2026-11-21 22:13:05": an ISO instant to the second, in UTC, fixed width (lists and print). */
export function utcText(iso: string): string {
  return iso.slice(0, 19).replace('T', ' ');
}

/**
 * One instant as the lists show it: UTC to the second, machine-readable in `dateTime`; `null`
 * shows `empty` ("Never" for a last sign-in that has not happened).
 */
export function UtcTime({ iso, empty = 'Never', suffix = '', className = 'whitespace-nowrap text-slate-700' }: { iso: string | null; empty?: string; suffix?: string; className?: string }) {
  if (!iso) return <span className="text-slate-500">{empty}</span>;
  return (
    <time dateTime={iso} className={className}>
      {utcText(iso)}
      {suffix}
    </time>
  );
}
