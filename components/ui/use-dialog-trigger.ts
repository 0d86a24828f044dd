'use client';

import { useCallback, useRef, useState } from 'react';

/**
 * A button that opens a dialog: whether it is open, a ref for the button, and `close`, which
 * gives focus back to the button — keyboard users carry on where they were, not at the top.
 */
export function useDialogTrigger() {
  const [open, setOpen] = useState(false);
  const trigger = useRef<HTMLButtonElement>(null);
  const show = useCallback(() => setOpen(true), []);
  const close = useCallback(() => {
    setOpen(false);
    requestAnimationFrame(() => trigger.current?.focus());
  }, []);
  return { open, show, close, trigger };
}
