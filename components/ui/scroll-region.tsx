import type { ReactNode } from 'react';

/**
 * A wide table's own horizontal scroll, so the page never scrolls sideways (390 px): a named
 * region that keyboard users reach with Tab and scroll with the arrow keys (axe
 * scrollable-region-focusable). `label` names the region for screen readers.
 */
export function ScrollRegion({ label, className, children }: { label: string; className?: string; children: ReactNode }) {
  return (
    <div className={['overflow-x-auto', className].filter(Boolean).join(' ')} tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
