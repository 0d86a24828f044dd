'use client';

import { useState } from 'react';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Select, type TSelectOption } from '@/components/ui/select';

const WINDOWS: TSelectOption[] = [
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: 'custom', label: 'Custom (from – to)' },
];

/**
 * Device and time window as a plain GET form: the result is an address. A preset ends now; a
 * custom window uses From and To (UTC). Typing a date switches the window to custom.
 */
export function RangeForm({ devices, deviceId, preset, from, to }: { devices: TSelectOption[]; deviceId: string; preset: string | null; from: string; to: string }) {
  const [mode, setMode] = useState(preset ?? 'custom');
  return (
    <form method="get" action="/telemetry" role="search" aria-label="Device and time window" className="flex flex-wrap items-end gap-2" data-print="hide">
      <Select name="device" label="Device" options={devices} defaultValue={deviceId} className="w-72" />
      <Select name="range" label="Time window" options={WINDOWS} value={mode} onChange={(e) => setMode(e.target.value)} className="w-44" />
      {/* Text, not datetime-local: the browser would show its own locale and zone; this is UTC. */}
      <Field name="from" label="From (UTC)" defaultValue={from} onChange={() => setMode('custom')} placeholder="YYYY-MM-DD HH:MM" autoComplete="off" spellCheck={false} className="w-44 [&_input]:tabular-nums" />
      <Field name="to" label="To (UTC)" defaultValue={to} onChange={() => setMode('custom')} placeholder="YYYY-MM-DD HH:MM" autoComplete="off" spellCheck={false} className="w-44 [&_input]:tabular-nums" />
      <Button type="submit" variant="secondary">
        Show
      </Button>
    </form>
  );
}
