import { ZBrokerChange } from '@/lib/broker/broker-change';
import { describeCommand, diffStates } from '@/lib/broker/dynsec-model';

/** A broker change as the approver reviews it: what changes in the configuration, then the exact batch. */
export function brokerDiffRows(payload: unknown): Array<{ field: string; before: string | null; after: string | null; note?: string }> {
  const p = ZBrokerChange.safeParse(payload);
  if (!p.success) return [{ field: 'Payload', before: null, after: 'Not readable' }];
  const { base, expected, commands, baseRevision } = p.data;
  const diffs = diffStates(base, expected);
  const rows = diffs.map((d) => ({
    field: d.subject,
    before: d.change === 'added' ? null : d.change === 'removed' ? d.detail : (d.detail.split(' → ')[0] ?? null),
    after: d.change === 'removed' ? null : d.change === 'added' ? d.detail : (d.detail.includes(' → ') ? d.detail.split(' → ')[1] : d.detail),
    note: d.change === 'removed' ? 'Removed' : d.change === 'added' ? 'Added' : undefined,
  }));
  return [
    { field: 'Starts from', before: null, after: baseRevision === null ? 'The broker as it was read (no approved baseline yet: approving adopts it)' : `Approved baseline revision ${baseRevision}` },
    ...rows,
    ...commands.map((c, i) => ({ field: `Command ${i + 1}`, before: null, after: describeCommand(c), note: JSON.stringify(c) })),
  ];
}
