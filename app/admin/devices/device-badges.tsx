import { Badge, type TBadgeTone } from '@/components/ui/badge';

const STATUS: Record<string, { tone: TBadgeTone; label: string }> = {
  active: { tone: 'ok', label: 'Active' },
  suspended: { tone: 'warn', label: 'Suspended' },
  retired: { tone: 'neutral', label: 'Retired' },
};

export const DEVICE_STATUS_OPTIONS = Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }));
export const KEY_KIND_LABEL: Record<string, string> = { hmac: 'HMAC', ecdsa: 'ECDSA' };

export function DeviceStatusBadge({ status }: { status: string }) {
  const s = STATUS[status];
  return <Badge tone={s?.tone ?? 'neutral'}>{s?.label ?? status}</Badge>;
}

const ALARM: Record<string, string> = { excursion: 'Excursion', comm_loss: 'Communication loss' };

export function AlarmBadges({ kinds }: { kinds: string[] }) {
  if (kinds.length === 0) return <span className="text-slate-500">None</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {kinds.map((k, i) => (
        <Badge key={`${k}${i}`} tone={k === 'excursion' ? 'danger' : 'warn'} className="whitespace-nowrap">
          {ALARM[k] ?? k}
        </Badge>
      ))}
    </span>
  );
}

/** The due date, and a badge once it has passed (readings after it are flagged calibration_overdue). */
export function CalibrationDue({ due, overdue }: { due: string | null; overdue: boolean }) {
  if (!due) return <span className="text-slate-500">Not set</span>;
  return (
    <span className="inline-flex items-center gap-1.5 whitespace-nowrap">
      <time dateTime={due} className="tabular-nums">
        {due}
      </time>
      {overdue && <Badge tone="danger">Overdue</Badge>}
    </span>
  );
}
