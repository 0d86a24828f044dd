import { formatDuration, formatInstant, formatValue } from '@/components/charts/chart-scale';
import type { TDeviceSeries } from '@/lib/telemetry/device-series';

/** The points behind the chart as a table: the chart's text alternative for anyone who wants the numbers. */
export function ChartDataTable({ series, title, fmt }: { series: TDeviceSeries; title: string; fmt: (v: number) => string }) {
  const unit = series.device.unit ? ` (${series.device.unit})` : '';
  return (
    <div className="max-h-72 overflow-auto rounded-md border border-slate-200" tabIndex={0} role="region" aria-label={`Data of the chart of ${title}`}>
      <table className="w-full text-left text-xs">
        <caption className="sr-only">
          Chart data of {title}: one row per point{series.count > series.points.length ? `, each summarising ${formatDuration(series.bucketMs)} of readings` : ''}
        </caption>
        <thead className="sticky top-0 bg-slate-50 text-slate-600">
          <tr>
            <th scope="col" className="px-2 py-1 font-medium">
              Time (UTC)
            </th>
            <th scope="col" className="px-2 py-1 text-right font-medium">
              Mean{unit}
            </th>
            <th scope="col" className="px-2 py-1 text-right font-medium">
              Min
            </th>
            <th scope="col" className="px-2 py-1 text-right font-medium">
              Max
            </th>
            <th scope="col" className="px-2 py-1 text-right font-medium">
              Readings
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 tabular-nums">
          {series.points.length === 0 ? (
            <tr>
              <td colSpan={5} className="px-2 py-2 text-slate-600">
                No readings in this window.
              </td>
            </tr>
          ) : (
            series.points.map((p) => (
              <tr key={p.t}>
                <td className="px-2 py-0.5">{formatInstant(p.t)}</td>
                <td className="px-2 py-0.5 text-right">{fmt(p.mean)}</td>
                <td className="px-2 py-0.5 text-right">{formatValue(p.min)}</td>
                <td className="px-2 py-0.5 text-right">{formatValue(p.max)}</td>
                <td className="px-2 py-0.5 text-right">{p.n}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
