import { Badge } from '@/components/ui/badge';

/** Status and lock are separate facts: a disabled account can also be locked. */
export function UserStatus({ status, locked }: { status: string; locked: boolean }) {
  return (
    <span className="inline-flex flex-wrap gap-1">
      {status === 'disabled' ? <Badge tone="neutral">Disabled</Badge> : <Badge tone="ok">Active</Badge>}
      {locked && <Badge tone="danger">Locked</Badge>}
    </span>
  );
}
