import type { ComponentProps } from 'react';

export type TBadgeTone = 'neutral' | 'ok' | 'warn' | 'danger';

// Text, not colour alone, carries the meaning; the dot only helps scanning a column.
const TONE: Record<TBadgeTone, { badge: string; dot: string }> = {
  neutral: { badge: 'bg-slate-100 text-slate-700 ring-slate-300', dot: 'bg-slate-500' },
  ok: { badge: 'bg-emerald-50 text-emerald-800 ring-emerald-200', dot: 'bg-emerald-600' },
  warn: { badge: 'bg-amber-50 text-amber-900 ring-amber-300', dot: 'bg-amber-500' },
  danger: { badge: 'bg-red-50 text-red-800 ring-red-200', dot: 'bg-red-600' },
};

export interface TBadgeProps extends ComponentProps<'span'> {
  tone?: TBadgeTone;
}

export function Badge({ tone = 'neutral', className, children, ...rest }: TBadgeProps) {
  return (
    <span
      className={[
        'inline-flex items-center gap-1.5 rounded-md px-2 py-0.5 text-xs font-medium ring-1 ring-inset',
        TONE[tone].badge,
        className,
      ]
        .filter(Boolean)
        .join(' ')}
      {...rest}
    >
      <span aria-hidden="true" className={['size-1.5 rounded-full', TONE[tone].dot].join(' ')} />
      {children}
    </span>
  );
}
