import type { ReactNode } from 'react';

export interface TPageHeaderProps {
  title: ReactNode;
  description?: ReactNode;
  /** Page-level actions, right-aligned on wide screens. */
  actions?: ReactNode;
}

export function PageHeader({ title, description, actions }: TPageHeaderProps) {
  return (
    <div className="mb-5 flex flex-wrap items-end justify-between gap-3 border-b border-slate-200 pb-4">
      <div className="min-w-0">
        <h1 className="text-xl font-semibold tracking-tight text-slate-900">{title}</h1>
        {description !== undefined && <p className="mt-1 max-w-3xl text-sm text-slate-600">{description}</p>}
      </div>
      {actions !== undefined && (
        <div data-print="hide" className="flex items-center gap-2">
          {actions}
        </div>
      )}
    </div>
  );
}
