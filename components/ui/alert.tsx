import type { ReactNode } from 'react';

export type TAlertTone = 'info' | 'warn' | 'danger' | 'ok';

const TONE: Record<TAlertTone, string> = {
  info: 'border-slate-300 bg-slate-50 text-slate-800',
  ok: 'border-emerald-300 bg-emerald-50 text-emerald-900',
  warn: 'border-amber-300 bg-amber-50 text-amber-900',
  danger: 'border-red-300 bg-red-50 text-red-800',
};

/** A message box. Errors are announced to screen readers (role=alert); others politely (status). */
export function Alert({ tone = 'info', children, id }: { tone?: TAlertTone; children: ReactNode; id?: string }) {
  return (
    <div id={id} role={tone === 'danger' ? 'alert' : 'status'} className={`rounded-md border px-3 py-2 text-sm ${TONE[tone]}`}>
      {children}
    </div>
  );
}
