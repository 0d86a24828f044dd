import { UtcTime } from '@/components/ui/utc-time';

/**
 * The "Received (UTC)" column of the telemetry and quarantine lists: the server's time of
 * arrival, newest first; `received` is the id their services sort by.
 */
export const receivedColumn = {
  id: 'received',
  header: 'Received (UTC)',
  sortDescFirst: true,
  cell: (c: { getValue: () => string }) => <UtcTime iso={c.getValue()} className="whitespace-nowrap text-slate-800" />,
  meta: { className: 'w-40' },
} as const;
