import { Badge, type TBadgeTone } from '@/components/ui/badge';
import { STATUS_LABEL, type TRecordStatus } from '@/lib/records/lifecycle';

const TONE: Record<TRecordStatus, TBadgeTone> = {
  draft: 'neutral',
  in_review: 'warn',
  reviewed: 'warn',
  approved: 'ok',
  rejected: 'danger',
  retired: 'neutral',
};

export function StatusBadge({ status }: { status: string }) {
  const s = status in STATUS_LABEL ? (status as TRecordStatus) : null;
  return <Badge tone={s ? TONE[s] : 'neutral'}>{s ? STATUS_LABEL[s] : status}</Badge>;
}
