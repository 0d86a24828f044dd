import { formatUtc } from '@/lib/esign/manifestation';
import { ScrollRegion } from '@/components/ui/scroll-region';

export interface TAuditTableRow {
  seq: string;
  occurredAt: Date;
  actorId: string;
  actorName: string | null;
  action: string;
  reason: string | null;
  contextRef?: string | null;
}

/** Who did what, when and why (21 CFR 11.10(e)); the audit trail of one record, request or user. */
export function EntityAuditTable({ events, caption }: { events: TAuditTableRow[]; caption: string }) {
  if (events.length === 0) return <p className="text-sm text-slate-600">No events.</p>;
  const withContext = events.some((e) => e.contextRef);
  return (
    <ScrollRegion label={caption}>
      <table className="w-full text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        <thead className="text-xs text-slate-600">
          <tr>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Seq
            </th>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Time (UTC)
            </th>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Actor
            </th>
            <th scope="col" className="py-1.5 pr-3 font-medium">
              Action
            </th>
            <th scope="col" className={['py-1.5 font-medium', withContext ? 'pr-3' : ''].join(' ')}>
              Reason
            </th>
            {withContext && (
              <th scope="col" className="py-1.5 font-medium">
                Context
              </th>
            )}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {events.map((a) => (
            <tr key={a.seq} className="align-top">
              <td className="py-1.5 pr-3 text-slate-600 tabular-nums">{a.seq}</td>
              <td className="py-1.5 pr-3 whitespace-nowrap">
                <time dateTime={a.occurredAt.toISOString()}>{formatUtc(a.occurredAt).replace(' UTC', '')}</time>
              </td>
              <td className="py-1.5 pr-3">
                {a.actorName ?? a.actorId} {a.actorName && <span className="text-xs text-slate-600">({a.actorId})</span>}
              </td>
              <td className="py-1.5 pr-3">
                <code className="font-mono text-xs text-slate-800">{a.action}</code>
              </td>
              <td className={['py-1.5', withContext ? 'pr-3' : ''].join(' ')}>{a.reason ?? <span className="text-slate-500">—</span>}</td>
              {withContext && <td className="py-1.5 font-mono text-[11px] [overflow-wrap:anywhere] text-slate-600">{a.contextRef ?? '—'}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}
