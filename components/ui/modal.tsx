'use client';

import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export interface TModalProps {
  title: ReactNode;
  /** A line under the title. */
  subtitle?: ReactNode;
  /** Id of the element that describes the dialog (read when it opens). */
  describedBy?: string;
  onClose: () => void;
  /** While busy (a request in flight) Escape does not close. */
  busy?: boolean;
  children: ReactNode;
}

/**
 * A modal dialog: focus moves to its first field, Tab stays inside, Escape closes. It renders in
 * place (inside #app-shell), so the idle lock, which makes the shell inert and covers it, also
 * covers an open dialog. A click outside does not close it: typed input is not thrown away.
 */
export function Modal({ title, subtitle, describedBy, onClose, busy = false, children }: TModalProps) {
  const titleId = useId();
  const dialog = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = dialog.current;
    const firstField = el?.querySelector<HTMLElement>('select, input:not([type="hidden"]), textarea');
    (firstField ?? el)?.focus();
    const { overflow } = document.body.style;
    document.body.style.overflow = 'hidden';
    return () => {
      document.body.style.overflow = overflow;
    };
  }, []);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      if (!busy) onClose();
      return;
    }
    if (e.key !== 'Tab' || !dialog.current) return;
    const items = [...dialog.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (items.length === 0) return;
    const head = items[0];
    const tail = items[items.length - 1];
    if (e.shiftKey && (document.activeElement === head || document.activeElement === dialog.current)) {
      e.preventDefault();
      tail.focus();
    } else if (!e.shiftKey && document.activeElement === tail) {
      e.preventDefault();
      head.focus();
    }
  }

  return (
    <div className="fixed inset-0 z-40 grid place-items-center overflow-y-auto bg-slate-900/50 p-4" data-print="hide">
      <div
        ref={dialog}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        className="w-full min-w-0 max-w-lg rounded-lg border border-slate-200 bg-white wrap-anywhere shadow-lg focus:outline-none"
      >
        <header className="border-b border-slate-200 px-5 py-3">
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {title}
          </h2>
          {subtitle !== undefined && <p className="mt-0.5 text-xs text-slate-600">{subtitle}</p>}
        </header>
        <div className="px-5 py-4">{children}</div>
      </div>
    </div>
  );
}
