import { useId, type ReactNode } from 'react';
import type { TButtonSize, TButtonVariant } from '@/components/ui/button';
import { buttonClassName } from '@/components/ui/button-link';

/**
 * A control the person may not use, with the reason. `aria-disabled` rather than `disabled`:
 * the button stays focusable, so keyboard and screen-reader users learn why (a disabled
 * button is skipped by Tab and shows no tooltip in some browsers). It does nothing when pressed.
 */
export function DisabledButton({
  reason,
  variant = 'secondary',
  size = 'md',
  children,
}: {
  reason: string;
  variant?: TButtonVariant;
  size?: TButtonSize;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <>
      <button
        type="button"
        aria-disabled="true"
        aria-describedby={id}
        title={reason}
        className={buttonClassName(variant, size, { interactive: false })}
      >
        {children}
      </button>
      <span id={id} className="sr-only">
        {reason}
      </span>
    </>
  );
}
