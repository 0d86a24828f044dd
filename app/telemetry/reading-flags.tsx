import { Badge, type TBadgeTone } from '@/components/ui/badge';

// What each flag on a reading means (lib/ingest/reading-rules.ts). Flags never change a value:
// they point a reviewer at readings to look at.
const FLAGS: Record<string, { label: string; tone: TBadgeTone; title: string }> = {
  out_of_limits: { label: 'Out of limits', tone: 'danger', title: 'Outside the device’s lower or upper limit' },
  late: { label: 'Late', tone: 'warn', title: 'Received more than 60 s after the device time (buffered data)' },
  clock_skew: { label: 'Clock skew', tone: 'warn', title: 'Device time differs from the received time by more than 1 s' },
  calibration_overdue: { label: 'Calibration overdue', tone: 'warn', title: 'Measured after the device’s calibration due date' },
  unparseable_time: { label: 'Unreadable time', tone: 'warn', title: 'The device time could not be read; stored as sent' },
  seq_gap: { label: 'Sequence gap', tone: 'warn', title: 'The gateway’s sequence number skipped ahead: readings may be missing before this one' },
  seq_out_of_order: { label: 'Sequence out of order', tone: 'warn', title: 'The gateway’s sequence number is not above its highest so far (restarted or reordered)' },
};

export function ReadingFlags({ flags }: { flags: string[] }) {
  if (flags.length === 0) return <span className="text-slate-500">—</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {flags.map((f) => (
        <Badge key={f} tone={FLAGS[f]?.tone ?? 'neutral'} title={FLAGS[f]?.title}>
          {FLAGS[f]?.label ?? f}
        </Badge>
      ))}
    </span>
  );
}

/** Device time minus received time: + the device is ahead, − it is behind (or the data was buffered). */
export function formatSkew(ms: number | null): string {
  if (ms === null) return '—';
  const sign = ms > 0 ? '+' : ms < 0 ? '−' : '±';
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${a} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(1)} s`;
  if (a < 3_600_000) return `${sign}${Math.round(a / 60_000)} min`;
  return `${sign}${(a / 3_600_000).toFixed(1)} h`;
}
