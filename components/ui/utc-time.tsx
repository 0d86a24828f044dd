import { utcText } from '@/lib/format/utc-text';

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
