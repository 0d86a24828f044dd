import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Select } from '@/components/ui/select';
import { formatUtc } from '@/lib/esign/manifestation';
import type { TRecordKind } from '@/lib/records/kinds';
import type { TVersionView } from '@/lib/records/get-record';
import { displayValue, fieldLabel, orderedContent, valueText } from '../kind-fields';
import { ScrollRegion } from '@/components/ui/scroll-region';

export function VersionsTable({ versions, currentVersion }: { versions: TVersionView[]; currentVersion: number }) {
  return (
    <ScrollRegion label="Versions table">
      <table className="w-full text-left text-sm">
        <caption className="sr-only">Versions</caption>
        <thead className="text-xs text-slate-600">
          <tr>
            <th scope="col" className="py-1.5 pr-3 font-medium">Version</th>
            <th scope="col" className="py-1.5 pr-3 font-medium">Saved (UTC)</th>
            <th scope="col" className="py-1.5 pr-3 font-medium">By</th>
            <th scope="col" className="py-1.5 pr-3 font-medium">Reason for change</th>
            <th scope="col" className="py-1.5 pr-3 font-medium">Signatures</th>
            <th scope="col" className="py-1.5 font-medium">Content SHA-256</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {[...versions].reverse().map((v) => (
            <tr key={v.id} className="align-top">
              <td className="py-1.5 pr-3 whitespace-nowrap tabular-nums">
                v{v.version}
                {v.version === currentVersion && <span className="ml-1.5 text-xs text-slate-600">current</span>}
              </td>
              <td className="py-1.5 pr-3 whitespace-nowrap">
                <time dateTime={v.createdAt.toISOString()}>{formatUtc(v.createdAt).replace(' UTC', '')}</time>
              </td>
              <td className="py-1.5 pr-3">{v.createdByName}</td>
              <td className="py-1.5 pr-3">{v.reason ?? <span className="text-slate-500">First version</span>}</td>
              <td className="py-1.5 pr-3 tabular-nums">{v.signatureIds.length}</td>
              <td className="py-1.5">
                <code className="font-mono text-xs break-all text-slate-700" title={v.contentHash}>
                  {v.contentHash.slice(0, 16)}…
                </code>
                {!v.intact && (
                  <Badge tone="danger" className="ml-1.5">
                    Content does not match its hash
                  </Badge>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

/** Choose two versions (GET form: ?from=&to=), then the changes field by field, old → new. */
export function VersionDiff({
  recordId,
  kind,
  versions,
  from,
  to,
}: {
  recordId: string;
  kind: TRecordKind;
  versions: TVersionView[];
  from: TVersionView;
  to: TVersionView;
}) {
  const options = versions.map((v) => ({ value: String(v.version), label: `Version ${v.version}` }));
  const names = orderedContent(kind, { ...from.content, ...to.content }).map(([n]) => n);
  const changed = names.filter((n) => valueText(from.content[n]) !== valueText(to.content[n]));
  const same = names.filter((n) => !changed.includes(n));
  return (
    <div className="grid gap-3">
      <form method="get" action={`/records/${recordId}#compare`} className="flex flex-wrap items-end gap-2" data-print="hide">
        <Select label="From" name="from" defaultValue={String(from.version)} options={options} className="w-36" />
        <Select label="To" name="to" defaultValue={String(to.version)} options={options} className="w-36" />
        <Button type="submit" variant="secondary">
          Compare
        </Button>
      </form>
      <p className="text-xs text-slate-600">
        Version {from.version} → version {to.version}
        {to.reason && from.version < to.version && to.version === from.version + 1 && <> · reason: {to.reason}</>}
      </p>
      {changed.length === 0 ? (
        <p className="text-sm text-slate-600">No differences in content.</p>
      ) : (
        <table className="w-full text-left text-sm" data-testid="version-diff">
          <caption className="sr-only">
            Changes from version {from.version} to version {to.version}
          </caption>
          <thead className="text-xs text-slate-600">
            <tr>
              <th scope="col" className="w-40 py-1.5 pr-3 font-medium">Field</th>
              <th scope="col" className="py-1.5 pr-3 font-medium">Version {from.version}</th>
              <th scope="col" className="py-1.5 font-medium">Version {to.version}</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {changed.map((n) => (
              <tr key={n} className="align-top">
                <th scope="row" className="py-1.5 pr-3 font-medium text-slate-700">
                  {fieldLabel(kind, n)}
                </th>
                <td className="py-1.5 pr-3 whitespace-pre-wrap text-red-900">
                  <del className="decoration-red-400">{(n in from.content ? displayValue(kind, n, from.content[n], from.content) : '') || '—'}</del>
                </td>
                <td className="py-1.5 whitespace-pre-wrap text-emerald-900">
                  <ins className="no-underline">{(n in to.content ? displayValue(kind, n, to.content[n], to.content) : '') || '—'}</ins>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {same.length > 0 && changed.length > 0 && (
        <p className="text-xs text-slate-600">Unchanged: {same.map((n) => fieldLabel(kind, n)).join(', ')}.</p>
      )}
    </div>
  );
}
