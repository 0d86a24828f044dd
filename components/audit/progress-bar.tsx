/**
 * A progress bar. With `max` it is determinate (aria-valuenow of aria-valuemax); without, the
 * total is unknown (bytes of a file still being generated) and only the text says how far.
 */
export function ProgressBar({ label, value, max, text }: { label: string; value: number | null; max?: number; text: string }) {
  const determinate = value !== null && max !== undefined && max > 0;
  const pct = determinate ? Math.min(100, Math.round((value / max) * 100)) : 0;
  return (
    <div className="grid gap-1">
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={determinate ? 0 : undefined}
        aria-valuemax={determinate ? max : undefined}
        aria-valuenow={determinate ? value : undefined}
        aria-valuetext={text}
        className="h-1.5 w-full overflow-hidden rounded-full bg-slate-200"
      >
        {determinate ? (
          <div className="h-full rounded-full bg-accent-700 transition-[width] duration-200" style={{ width: `${pct}%` }} />
        ) : (
          <div className="h-full w-1/3 rounded-full bg-accent-700/70 motion-safe:animate-pulse" />
        )}
      </div>
      <p className="text-xs text-slate-600 tabular-nums" aria-hidden="true">
        {text}
      </p>
    </div>
  );
}
