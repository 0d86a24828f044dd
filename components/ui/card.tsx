import { useId, type ComponentProps, type ReactNode } from 'react';

export interface TCardProps extends Omit<ComponentProps<'section'>, 'title'> {
  /** When set, the card is a labelled region (landmark) named by this heading. */
  title?: ReactNode;
  description?: ReactNode;
  /** Right-aligned header content: a status badge, a button. */
  actions?: ReactNode;
  /** 1 on a page whose only heading is the card's (sign-in, unlock, MFA, password). */
  headingLevel?: 1 | 2 | 3;
}

export function Card({ title, description, actions, headingLevel = 2, className, children, ...rest }: TCardProps) {
  const headingId = useId();
  const Heading = headingLevel === 1 ? 'h1' : headingLevel === 2 ? 'h2' : 'h3';
  const hasHeader = title !== undefined || actions !== undefined;
  return (
    <section
      aria-labelledby={title !== undefined ? headingId : undefined}
      // min-w-0: in a grid a card shrinks to its track (a wide table scrolls inside it) instead of
      // widening the page — no horizontal scroll at 390 px.
      className={['min-w-0 rounded-lg border border-slate-200 bg-white shadow-xs', className].filter(Boolean).join(' ')}
      {...rest}
    >
      {hasHeader && (
        // flex-wrap: on a narrow screen the actions go below the title instead of squeezing it.
        <header className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2 border-b border-slate-200 px-4 py-3">
          <div className="min-w-0">
            {title !== undefined && (
              <Heading id={headingId} className="text-sm font-semibold text-slate-900">
                {title}
              </Heading>
            )}
            {description !== undefined && <p className="mt-0.5 text-xs text-slate-600">{description}</p>}
          </div>
          {actions !== undefined && <div className="flex max-w-full shrink-0 flex-wrap items-center gap-2">{actions}</div>}
        </header>
      )}
      <div className="px-4 py-3">{children}</div>
    </section>
  );
}
