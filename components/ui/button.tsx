import type { ComponentProps } from 'react';

export type TButtonVariant = 'primary' | 'secondary' | 'ghost' | 'danger';
export type TButtonSize = 'sm' | 'md';

const VARIANT: Record<TButtonVariant, string> = {
  primary: 'bg-accent-700 text-white shadow-xs hover:bg-accent-800',
  secondary: 'bg-white text-slate-800 shadow-xs ring-1 ring-inset ring-slate-300 hover:bg-slate-50',
  ghost: 'text-slate-700 hover:bg-slate-100',
  danger: 'bg-red-700 text-white shadow-xs hover:bg-red-800',
};

const SIZE: Record<TButtonSize, string> = {
  sm: 'h-7 px-2.5 text-xs',
  md: 'h-8.5 px-3.5 text-sm',
};

export interface TButtonProps extends ComponentProps<'button'> {
  variant?: TButtonVariant;
  size?: TButtonSize;
}

export function Button({ variant = 'primary', size = 'md', type = 'button', className, ...rest }: TButtonProps) {
  return (
    <button
      // A form submits only when the caller says so: type defaults to "button".
      type={type}
      className={[
        'inline-flex items-center justify-center gap-1.5 rounded-md font-medium whitespace-nowrap transition-colors',
        'disabled:cursor-not-allowed disabled:opacity-50',
        VARIANT[variant],
        SIZE[size],
        className,
      ]
        .filter(Boolean)
        .join(' ')}
      {...rest}
    />
  );
}
