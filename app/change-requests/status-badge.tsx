import { Badge, type TBadgeTone } from '@/components/ui/badge';

const STATUS: Record<string, { tone: TBadgeTone; label: string }> = {
  draft: { tone: 'neutral', label: 'Draft' },
  submitted: { tone: 'warn', label: 'Waiting' },
  approved: { tone: 'ok', label: 'Approved' },
  applied: { tone: 'ok', label: 'Applied' },
  rejected: { tone: 'danger', label: 'Rejected' },
  cancelled: { tone: 'neutral', label: 'Cancelled' },
  expired: { tone: 'neutral', label: 'Expired' },
  failed: { tone: 'danger', label: 'Failed' },
};

export function CrStatusBadge({ status }: { status: string }) {
  const s = STATUS[status];
  return <Badge tone={s?.tone ?? 'neutral'}>{s?.label ?? status}</Badge>;
}
