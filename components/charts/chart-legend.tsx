import { COLOURS } from '@/components/charts/chart-colours';

/** What each mark of the time-series chart means, in words next to a sample of it. */
export function ChartLegend({ hasLimits, hatchId }: { hasLimits: boolean; hatchId: string }) {
  const item = 'inline-flex items-center gap-1.5';
  return (
    <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-600" aria-label="Legend">
      <li className={item}>
        <svg aria-hidden="true" width="18" height="8">
          <line x1="0" x2="18" y1="4" y2="4" stroke={COLOURS.line} strokeWidth="2" />
        </svg>
        Mean
      </li>
      <li className={item}>
        <span aria-hidden="true" className="inline-block h-2.5 w-4 rounded-sm bg-teal-200/80" />
        Min–max per point
      </li>
      {hasLimits && (
        <li className={item}>
          <svg aria-hidden="true" width="18" height="8">
            <line x1="0" x2="18" y1="4" y2="4" stroke={COLOURS.limit} strokeWidth="1.5" strokeDasharray="4 3" />
          </svg>
          Limits
        </li>
      )}
      <li className={item}>
        <svg aria-hidden="true" width="10" height="10">
          <circle cx="5" cy="5" r="3" fill="#fff" stroke={COLOURS.out} strokeWidth="1.5" />
        </svg>
        Out of limits
      </li>
      <li className={item}>
        <span aria-hidden="true" className="inline-block h-2.5 w-4 rounded-sm bg-red-100" />
        Excursion
      </li>
      <li className={item}>
        <svg aria-hidden="true" width="16" height="10">
          <defs>
            <pattern id={hatchId} patternUnits="userSpaceOnUse" width="4" height="4" patternTransform="rotate(45)">
              <line x1="0" y1="0" x2="0" y2="4" stroke={COLOURS.hatch} strokeWidth="1.5" />
            </pattern>
          </defs>
          <rect width="16" height="10" fill={`url(#${hatchId})`} />
        </svg>
        Communication loss or no data
      </li>
    </ul>
  );
}
