'use client';

import { signOut } from 'next-auth/react';
import { useCallback, useEffect, useRef, useState } from 'react';
import { UnlockForm, type TUnlockOutcome } from '@/components/auth/unlock-form';

const EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart'] as const;

/** Seconds of warning before the lock: 30, or half the timeout when the timeout is shorter than a minute. */
export function warningLeadS(idleTimeoutS: number): number {
  return Math.max(1, Math.min(30, Math.floor(idleTimeoutS / 2)));
}

/** When the screen reader hears the countdown (every second would drown everything else). */
function announceAt(s: number, lead: number): boolean {
  return s === lead || s === 20 || s === 10 || s === 5;
}

/**
 * 11.300(d) idle lock in the browser. Real keyboard or pointer activity (never polling or data
 * fetching) is reported to the server at most every `throttleS` seconds, with a trailing report
 * so the server's deadline is never earlier than the last real interaction allows. After
 * `idleTimeoutS` without interaction the page is covered by a password dialog; the page beneath
 * stays mounted and inert, so typed input survives the unlock.
 */
export function LockManager({
  idleTimeoutS,
  throttleS,
  displayName,
  employeeId,
  shellId = 'app-shell',
}: {
  idleTimeoutS: number;
  throttleS: number;
  displayName: string;
  employeeId: string;
  shellId?: string;
}) {
  const [locked, setLocked] = useState(false);
  /** Seconds left before the lock while the warning shows; null: no warning. */
  const [warnS, setWarnS] = useState<number | null>(null);
  const [announced, setAnnounced] = useState('');
  const lockedRef = useRef(false);
  // Set at mount (render must stay pure).
  const lastInteraction = useRef(0);
  const lastReport = useRef(0);
  const trailing = useRef<ReturnType<typeof setTimeout> | null>(null);

  const lock = useCallback(() => {
    lockedRef.current = true;
    setLocked(true);
  }, []);

  const report = useCallback(async () => {
    trailing.current = null;
    lastReport.current = Date.now();
    try {
      const res = await fetch('/api/session/activity', { method: 'POST' });
      if (res.status === 423 || res.status === 401) lock();
    } catch {
      // offline: the server deadline stands; the local timer still locks
    }
  }, [lock]);

  useEffect(() => {
    lastInteraction.current = Date.now();
    lastReport.current = Date.now();
    const lead = warningLeadS(idleTimeoutS);
    const onActivity = () => {
      if (lockedRef.current) return;
      lastInteraction.current = Date.now();
      // Real activity dismisses the warning at once.
      setWarnS(null);
      setAnnounced('');
      const since = Date.now() - lastReport.current;
      if (since >= throttleS * 1000) void report();
      else if (!trailing.current) trailing.current = setTimeout(() => void report(), throttleS * 1000 - since);
    };
    for (const e of EVENTS) window.addEventListener(e, onActivity, { capture: true, passive: true });
    const tick = setInterval(() => {
      if (lockedRef.current) return;
      const left = Math.ceil((idleTimeoutS * 1000 - (Date.now() - lastInteraction.current)) / 1000);
      if (left <= 0) {
        setWarnS(null);
        setAnnounced('');
        lock();
      } else if (left <= lead) {
        setWarnS(left);
        if (announceAt(left, lead)) setAnnounced(`Locking in ${left} s — move the mouse or press a key to stay signed in`);
      } else {
        setWarnS(null);
      }
    }, 1000);
    return () => {
      for (const e of EVENTS) window.removeEventListener(e, onActivity, { capture: true });
      clearInterval(tick);
      if (trailing.current) clearTimeout(trailing.current);
    };
  }, [idleTimeoutS, throttleS, report, lock]);

  useEffect(() => {
    const shell = document.getElementById(shellId);
    if (shell) shell.inert = locked;
  }, [locked, shellId]);

  const onDone = useCallback((outcome: TUnlockOutcome) => {
    if (outcome === 'unlocked') {
      lockedRef.current = false;
      lastInteraction.current = Date.now();
      lastReport.current = Date.now();
      setLocked(false);
    } else {
      void signOut({ callbackUrl: '/login' });
    }
  }, []);

  if (!locked) {
    // Non-modal: it takes no focus and blocks nothing; the live region says it once in a while.
    return (
      <>
        <div role="status" aria-live="polite" aria-atomic="true" className="sr-only" data-testid="idle-warning-announcement">
          {announced}
        </div>
        {warnS !== null && (
          <div
            className="fixed inset-x-0 bottom-4 z-40 mx-auto w-fit max-w-[calc(100%-2rem)] rounded-md border border-amber-300 bg-amber-50 px-4 py-2 text-sm text-amber-950 shadow-md"
            data-print="hide"
            data-testid="idle-warning"
            aria-hidden="true"
          >
            Locking in <span className="font-semibold tabular-nums">{warnS} s</span> — move the mouse or press a key to stay signed in
          </div>
        )}
      </>
    );
  }
  return (
    <div className="fixed inset-0 z-50 grid place-items-center bg-slate-900/60 p-4 backdrop-blur-sm" data-print="hide">
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="lock-title"
        className="w-full max-w-sm rounded-lg border border-slate-200 bg-white p-5 shadow-lg"
      >
        <h2 id="lock-title" className="mb-3 text-base font-semibold text-slate-900">
          Session locked
        </h2>
        <UnlockForm displayName={displayName} employeeId={employeeId} onDone={onDone} />
      </div>
    </div>
  );
}
