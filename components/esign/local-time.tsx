'use client';

import { useSyncExternalStore } from 'react';
import { formatLocal, formatUtc } from '@/lib/esign/manifestation';

const subscribe = () => () => {};

/**
 * The same instant in the viewer's time zone, next to the record's UTC time. The server does not
 * know the viewer's zone, so the server render (and a browser without JavaScript) shows UTC.
 */
export function LocalTime({ iso, className }: { iso: string; className?: string }) {
  const zone = useSyncExternalStore(
    subscribe,
    () => Intl.DateTimeFormat().resolvedOptions().timeZone,
    () => null,
  );
  const date = new Date(iso);
  return (
    <time dateTime={iso} className={className} data-testid="local-time">
      {zone ? formatLocal(date, zone) : formatUtc(date)}
    </time>
  );
}
