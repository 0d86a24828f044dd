'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useEffect, useId, useMemo, useRef, useState, useTransition, type KeyboardEvent, type PointerEvent } from 'react';
import { ChartDataTable } from '@/components/charts/chart-data-table';
import { COLOURS } from '@/components/charts/chart-colours';
import { ChartLegend } from '@/components/charts/chart-legend';
import { decimalsFor, formatDuration, formatInstant, formatValue, nearestIndex, splitAtGaps, timeTicks, valueTicks } from '@/components/charts/chart-scale';
import { hrefWith } from '@/components/data-table/url-state';
import { Button } from '@/components/ui/button';
import type { TDeviceSeries, TSeriesPoint } from '@/lib/telemetry/device-series';
import { panRange, zoomRange } from '@/lib/telemetry/time-range';

export interface TTimeSeriesChartProps {
  series: TDeviceSeries;
  /** For the accessible name, e.g. the device ID. */
  title: string;
  height?: number;
}

const M = { top: 22, right: 58, bottom: 36, left: 52 };
const HELP = 'Drag across the chart to zoom in. With the chart focused: + and − zoom, ← and → move in time.';

/** A drag narrower than this is a click, not a selection. */
const MIN_DRAG_PX = 6;

/** The URL form of an instant: UTC ISO 8601 to the second. */
const urlInstant = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Readings of one device over time, drawn as inline SVG: the mean per bucket as a line, the
 * min–max of each bucket as a band, the limits as dashed lines, excursions shaded, communication
 * loss and silences hatched (the line breaks there). Zoom by dragging across the chart or with
 * the keyboard (+ / − zoom, ← / → move); every zoom is an address (from/to), so the server draws
 * it again at the new resolution and the view can be bookmarked.
 */
export function TimeSeriesChart({ series, title, height = 260 }: TTimeSeriesChartProps) {
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const [pending, startTransition] = useTransition();
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(960);
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null);
  const [hover, setHover] = useState<number | null>(null);
  const [showTable, setShowTable] = useState(false);
  const uid = useId().replace(/[^A-Za-z0-9_-]/g, '');
  const helpId = `${uid}-help`;
  const tableId = `${uid}-table`;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => setWidth(Math.max(320, Math.round(entry.contentRect.width))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const { from, to, points, device } = series;
  const pw = Math.max(10, width - M.left - M.right);
  const ph = Math.max(10, height - M.top - M.bottom);
  const unit = device.unit ?? '';

  const y = useMemo(() => {
    const values = points.flatMap((p) => [p.min, p.max]).filter(Number.isFinite);
    for (const l of [device.limitMin, device.limitMax]) if (l !== null) values.push(l);
    const lo = values.length ? Math.min(...values) : 0;
    const hi = values.length ? Math.max(...values) : 1;
    const pad = (hi - lo) * 0.08 || 1;
    return valueTicks(lo - pad, hi + pad, Math.max(3, Math.floor(ph / 40)));
  }, [points, device.limitMin, device.limitMax, ph]);
  const decimals = decimalsFor(y.step);

  const xOf = (t: number) => M.left + ((t - from) / (to - from)) * pw;
  const yOf = (v: number) => M.top + (1 - (v - y.min) / (y.max - y.min)) * ph;
  const tOf = (x: number) => from + ((Math.min(Math.max(x, M.left), M.left + pw) - M.left) / pw) * (to - from);
  const clampX = (t: number) => Math.min(Math.max(xOf(t), M.left), M.left + pw);

  const segments = useMemo(() => splitAtGaps(points, series.gaps), [points, series.gaps]);
  const xTicks = timeTicks(from, to, pw);
  const outOfLimits = (p: TSeriesPoint) => (device.limitMax !== null && p.max > device.limitMax) || (device.limitMin !== null && p.min < device.limitMin);
  const fmt = (v: number) => formatValue(Number(v.toFixed(Math.max(decimals, 2))));

  function navigate(next: { from: number; to: number }) {
    // Whole seconds, widened outwards: the window never loses what was selected.
    const a = Math.floor(next.from / 1000) * 1000;
    const b = Math.ceil(next.to / 1000) * 1000;
    startTransition(() => {
      router.push(hrefWith(pathname, searchParams.toString(), { range: null, from: urlInstant(a), to: urlInstant(b), page: null }), { scroll: false });
    });
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const actions: Record<string, () => { from: number; to: number }> = {
      '+': () => zoomRange(from, to, 0.5),
      '=': () => zoomRange(from, to, 0.5),
      '-': () => zoomRange(from, to, 2),
      _: () => zoomRange(from, to, 2),
      ArrowLeft: () => panRange(from, to, -0.25),
      ArrowRight: () => panRange(from, to, 0.25),
    };
    const act = actions[e.key];
    if (!act || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    navigate(act());
  }

  const localX = (e: PointerEvent<SVGRectElement>) => e.clientX - e.currentTarget.ownerSVGElement!.getBoundingClientRect().left;

  function onPointerDown(e: PointerEvent<SVGRectElement>) {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    const x = localX(e);
    setDrag({ x0: x, x1: x });
  }

  function onPointerMove(e: PointerEvent<SVGRectElement>) {
    const x = localX(e);
    if (drag) setDrag({ ...drag, x1: x });
    else setHover(nearestIndex(points, tOf(x)));
  }

  function onPointerUp(e: PointerEvent<SVGRectElement>) {
    if (!drag) return;
    const x1 = localX(e);
    setDrag(null);
    if (Math.abs(x1 - drag.x0) < MIN_DRAG_PX) return;
    const a = tOf(Math.min(drag.x0, x1));
    const b = tOf(Math.max(drag.x0, x1));
    navigate(zoomRange(a, b, 1));
  }

  const summary = describe(series, title);
  const hovered = hover !== null && hover >= 0 ? points[hover] : null;

  return (
    <div className="grid gap-2">
      <div className="flex flex-wrap items-center justify-between gap-2" data-print="hide">
        <p className="min-h-5 text-xs text-slate-600 tabular-nums" aria-live="off">
          {hovered ? (
            <>
              <span className="font-medium text-slate-900">{formatInstant(hovered.t)} UTC</span> · mean {fmt(hovered.mean)} {unit}
              {hovered.n > 1 && (
                <>
                  {' '}
                  · min {formatValue(hovered.min)} · max {formatValue(hovered.max)} · {hovered.n} readings
                </>
              )}
            </>
          ) : (
            <span aria-hidden="true">{HELP}</span>
          )}
          <span id={helpId} className="sr-only">
            {HELP}
          </span>
        </p>
        <div className="flex items-center gap-1.5">
          <Button size="sm" variant="secondary" onClick={() => navigate(zoomRange(from, to, 0.5))} aria-label="Zoom in">
            + Zoom in
          </Button>
          <Button size="sm" variant="secondary" onClick={() => navigate(zoomRange(from, to, 2))} aria-label="Zoom out">
            − Zoom out
          </Button>
          <Button size="sm" variant="secondary" onClick={() => navigate(panRange(from, to, -0.5))}>
            ← Earlier
          </Button>
          <Button size="sm" variant="secondary" onClick={() => navigate(panRange(from, to, 0.5))}>
            Later →
          </Button>
          <Button size="sm" variant="ghost" aria-expanded={showTable} aria-controls={tableId} onClick={() => setShowTable((v) => !v)}>
            {showTable ? 'Hide table' : 'Show table'}
          </Button>
        </div>
      </div>
      <div
        ref={box}
        tabIndex={0}
        role="group"
        aria-label={`Chart of ${title}: + and − zoom, arrow keys move in time`}
        aria-describedby={helpId}
        onKeyDown={onKeyDown}
        aria-busy={pending || undefined}
        className={['relative rounded-md select-none focus-visible:outline-2 focus-visible:outline-offset-2', pending ? 'opacity-60' : ''].join(' ')}
        data-testid="time-series-chart"
      >
        {/* Drawn 1:1 at the measured width; until it is measured, stretched to the box (no layout shift). */}
        <svg
          role="img"
          aria-label={summary}
          width="100%"
          height={height}
          viewBox={`0 0 ${width} ${height}`}
          preserveAspectRatio="none"
          className="block touch-pan-y text-[11px]"
        >
          <defs>
            <pattern id={`${uid}-hatch`} patternUnits="userSpaceOnUse" width="6" height="6" patternTransform="rotate(45)">
              <line x1="0" y1="0" x2="0" y2="6" stroke={COLOURS.hatch} strokeWidth="1.5" />
            </pattern>
            <clipPath id={`${uid}-plot`}>
              <rect x={M.left} y={M.top} width={pw} height={ph} />
            </clipPath>
          </defs>

          {/* Value grid and axis */}
          {y.ticks.map((v) => (
            <g key={v}>
              <line x1={M.left} x2={M.left + pw} y1={yOf(v)} y2={yOf(v)} stroke={COLOURS.grid} />
              <text x={M.left - 6} y={yOf(v)} dy="0.32em" textAnchor="end" fill={COLOURS.text} className="tabular-nums">
                {v.toFixed(decimals)}
              </text>
            </g>
          ))}
          {unit && (
            <text x={M.left - 6} y={M.top - 10} textAnchor="end" fill={COLOURS.text}>
              {unit}
            </text>
          )}

          <g clipPath={`url(#${uid}-plot)`}>
            {series.excursions.map((e) => (
              <g key={`e${e.from}`}>
                <rect x={clampX(e.from)} y={M.top} width={Math.max(2, clampX(e.to ?? to) - clampX(e.from))} height={ph} fill={COLOURS.excursion} />
                {clampX(e.to ?? to) - clampX(e.from) > 64 && (
                  <text x={clampX(e.from) + 4} y={M.top + 12} fill={COLOURS.limit}>
                    Excursion{e.recordNumber ? ` ${e.recordNumber}` : ''}
                  </text>
                )}
              </g>
            ))}
            {series.commLoss.map((c) => (
              <g key={`c${c.from}`}>
                <rect x={clampX(c.from)} y={M.top} width={Math.max(2, clampX(c.to ?? to) - clampX(c.from))} height={ph} fill={`url(#${uid}-hatch)`} opacity={0.55} />
                {clampX(c.to ?? to) - clampX(c.from) > 110 && (
                  <text x={clampX(c.from) + 4} y={M.top + ph - 6} fill={COLOURS.text}>
                    Communication loss
                  </text>
                )}
              </g>
            ))}
            {series.gaps.map((g) => (
              <rect key={`g${g.from}`} x={clampX(g.from)} y={M.top + ph - 6} width={Math.max(2, clampX(g.to) - clampX(g.from))} height={6} fill={`url(#${uid}-hatch)`} />
            ))}

            {segments.map((seg) =>
              seg.length === 1 ? (
                <line key={`s${seg[0].t}`} x1={xOf(seg[0].t)} x2={xOf(seg[0].t)} y1={yOf(seg[0].max)} y2={yOf(seg[0].min)} stroke={COLOURS.band} strokeWidth={3} />
              ) : (
                <polygon
                  key={`b${seg[0].t}`}
                  points={[...seg.map((p) => `${xOf(p.t).toFixed(1)},${yOf(p.max).toFixed(1)}`), ...[...seg].reverse().map((p) => `${xOf(p.t).toFixed(1)},${yOf(p.min).toFixed(1)}`)].join(' ')}
                  fill={COLOURS.band}
                  fillOpacity={0.6}
                />
              ),
            )}
            {segments.map((seg) => (
              <path
                key={`l${seg[0].t}`}
                d={seg.map((p, i) => `${i ? 'L' : 'M'}${xOf(p.t).toFixed(1)},${yOf(p.mean).toFixed(1)}`).join('')}
                fill="none"
                stroke={COLOURS.line}
                strokeWidth={1.5}
                strokeLinejoin="round"
              />
            ))}
            {segments.map((seg) => (seg.length === 1 ? <circle key={`p${seg[0].t}`} cx={xOf(seg[0].t)} cy={yOf(seg[0].mean)} r={2.5} fill={COLOURS.line} /> : null))}
            {points.filter(outOfLimits).map((p) => (
              <circle
                key={`o${p.t}`}
                cx={xOf(p.t)}
                cy={yOf(device.limitMax !== null && p.max > device.limitMax ? p.max : p.min)}
                r={3}
                fill="#fff"
                stroke={COLOURS.out}
                strokeWidth={1.5}
              />
            ))}
          </g>

          {/* Limits, labelled at the right end */}
          {(
            [
              ['max', device.limitMax],
              ['min', device.limitMin],
            ] as const
          ).map(([name, v]) =>
            v === null ? null : (
              <g key={name}>
                <line x1={M.left} x2={M.left + pw} y1={yOf(v)} y2={yOf(v)} stroke={COLOURS.limit} strokeDasharray="5 4" strokeWidth={1.25} />
                <text x={M.left + pw + 5} y={yOf(v)} fill={COLOURS.limit} fontWeight={600}>
                  <tspan x={M.left + pw + 5} dy="-0.2em">
                    {name}
                  </tspan>
                  <tspan x={M.left + pw + 5} dy="1.1em">
                    {v} {unit}
                  </tspan>
                </text>
              </g>
            ),
          )}

          {/* Time axis (UTC) */}
          <line x1={M.left} x2={M.left + pw} y1={M.top + ph} y2={M.top + ph} stroke={COLOURS.axis} />
          {xTicks.ticks.map((tick) => (
            <g key={tick.t}>
              <line x1={xOf(tick.t)} x2={xOf(tick.t)} y1={M.top + ph} y2={M.top + ph + 4} stroke={COLOURS.axis} />
              <text x={xOf(tick.t)} y={M.top + ph + 15} textAnchor="middle" fill={COLOURS.text} className="tabular-nums">
                {tick.label}
              </text>
              {tick.date && (
                <text x={xOf(tick.t)} y={M.top + ph + 28} textAnchor="middle" fill={COLOURS.text} className="tabular-nums">
                  {tick.date}
                </text>
              )}
            </g>
          ))}
          <text x={M.left + pw} y={M.top + ph + 28} textAnchor="end" fill={COLOURS.text}>
            UTC
          </text>

          {hovered && (
            <g pointerEvents="none">
              <line x1={xOf(hovered.t)} x2={xOf(hovered.t)} y1={M.top} y2={M.top + ph} stroke={COLOURS.axis} strokeDasharray="2 2" />
              <circle cx={xOf(hovered.t)} cy={yOf(hovered.mean)} r={3.5} fill={COLOURS.line} stroke="#fff" strokeWidth={1.5} />
            </g>
          )}
          {drag && (
            <rect x={Math.min(drag.x0, drag.x1)} y={M.top} width={Math.abs(drag.x1 - drag.x0)} height={ph} fill={COLOURS.line} fillOpacity={0.12} stroke={COLOURS.line} strokeOpacity={0.5} />
          )}
          {points.length === 0 && (
            <text x={M.left + pw / 2} y={M.top + ph / 2} textAnchor="middle" fill={COLOURS.text} className="text-xs">
              No readings in this window
            </text>
          )}
          <rect
            x={M.left}
            y={M.top}
            width={pw}
            height={ph}
            fill="transparent"
            className="cursor-crosshair"
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            onPointerUp={onPointerUp}
            onPointerCancel={() => setDrag(null)}
            onPointerLeave={() => !drag && setHover(null)}
          />
        </svg>
      </div>
      <ChartLegend hasLimits={device.limitMin !== null || device.limitMax !== null} hatchId={`${uid}-legend-hatch`} />
      <div id={tableId} hidden={!showTable}>
        {showTable && <ChartDataTable series={series} title={title} fmt={fmt} />}
      </div>
    </div>
  );
}

/** The chart in words, for its accessible name. */
function describe(s: TDeviceSeries, title: string): string {
  const unit = s.device.unit ? ` ${s.device.unit}` : '';
  const parts = [`${title}: ${s.count} readings from ${formatInstant(s.from)} to ${formatInstant(s.to)} UTC`];
  if (s.points.length) {
    const lo = Math.min(...s.points.map((p) => p.min));
    const hi = Math.max(...s.points.map((p) => p.max));
    parts.push(`values from ${lo}${unit} to ${hi}${unit}`);
    if (s.count > s.points.length) parts.push(`shown as ${s.points.length} points of ${formatDuration(s.bucketMs)} each`);
  }
  if (s.device.limitMin !== null || s.device.limitMax !== null) parts.push(`limits ${s.device.limitMin ?? 'none'} to ${s.device.limitMax ?? 'none'}${unit}`);
  parts.push(`${s.excursions.length} excursion${s.excursions.length === 1 ? '' : 's'}`);
  if (s.commLoss.length) parts.push(`${s.commLoss.length} communication loss period${s.commLoss.length === 1 ? '' : 's'}`);
  if (s.gaps.length) parts.push(`${s.gaps.length} gap${s.gaps.length === 1 ? '' : 's'} in the data`);
  return `${parts.join('; ')}.`;
}
