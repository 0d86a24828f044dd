import Link from 'next/link';
import type { ComponentProps } from 'react';
import type { TButtonSize, TButtonVariant } from '@/components/ui/button';

// The same look as <Button>, for navigation: a link stays a link (middle-click, no JS needed).
const VARIANT: Record<TButtonVariant, string> = {
  primary: 'bg-accent-700 text-white shadow-xs',
  secondary: 'bg-white text-slate-800 shadow-xs ring-1 ring-inset ring-slate-300',
  ghost: 'text-slate-700',
  danger: 'bg-red-700 text-white shadow-xs',
};

const HOVER: Record<TButtonVariant, string> = {
  primary: 'hover:bg-accent-800',
  secondary: 'hover:bg-slate-50',
  ghost: 'hover:bg-slate-100',
  danger: 'hover:bg-red-800',
};

const SIZE: Record<TButtonSize, string> = {
  sm: 'h-7 px-2.5 text-xs',
  md: 'h-8.5 px-3.5 text-sm',
};

export function buttonClassName(variant: TButtonVariant = 'primary', size: TButtonSize = 'md', opts: { interactive?: boolean } = {}): string {
  return [
    'inline-flex items-center justify-center gap-1.5 rounded-md font-medium whitespace-nowrap transition-colors',
    VARIANT[variant],
    opts.interactive === false ? 'cursor-not-allowed opacity-50' : HOVER[variant],
    SIZE[size],
  ].join(' ');
}

export interface TButtonLinkProps extends ComponentProps<typeof Link> {
  variant?: TButtonVariant;
  size?: TButtonSize;
}

export function ButtonLink({ variant = 'secondary', size = 'md', className, ...rest }: TButtonLinkProps) {
  return <Link className={[buttonClassName(variant, size), className].filter(Boolean).join(' ')} {...rest} />;
}
