'use client';

import { signIn } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';

/**
 * Where a new session goes first: one that must enrol a second factor or change its password is
 * sent there, not to `next` (the home page is public and would not send it on). The page
 * checks the state again on the server.
 */
async function destinationAfterSignIn(next: string): Promise<string> {
  try {
    const res = await fetch('/api/session', { cache: 'no-store' });
    const { state } = (await res.json()) as { state?: string };
    if (state === 'mfa_pending') return '/account/mfa';
    if (state === 'must_change_password' || state === 'password_expired') return `/account/password?next=${encodeURIComponent(next)}`;
  } catch {
    // offline or an unexpected answer: `next` is still guarded by its own page
  }
  return next;
}

/** Sign-in with employee ID and password; a second step asks administrators for their code. */
export function SignInForm({ next, notice }: { next: string; notice?: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [needOtp, setNeedOtp] = useState(false);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const res = await signIn('credentials', {
      redirect: false,
      employeeId: String(form.get('employeeId') ?? ''),
      password: String(form.get('password') ?? ''),
      otp: String(form.get('otp') ?? ''),
    });
    setBusy(false);
    if (res?.ok && !res.error) {
      router.replace(await destinationAfterSignIn(next));
      router.refresh();
      return;
    }
    const [code, message] = (res?.error ?? 'ERROR|Sign-in failed — try again').split('|');
    if (code === 'MFA_REQUIRED' || code === 'MFA_INVALID') setNeedOtp(true);
    setError(message ?? code);
  }

  return (
    <form onSubmit={onSubmit} className="grid gap-3" noValidate aria-describedby={error ? 'sign-in-error' : undefined}>
      {notice && !error && <Alert tone="info">{notice}</Alert>}
      {error && (
        <Alert tone="danger" id="sign-in-error">
          {error}
        </Alert>
      )}
      <Field label="Employee ID" name="employeeId" autoComplete="username" required autoFocus maxLength={64} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required />
      {needOtp && (
        <Field
          label="Authentication code"
          name="otp"
          inputMode="numeric"
          autoComplete="one-time-code"
          hint="6 digits from your authenticator app, or a recovery code"
          required
          autoFocus
          maxLength={32}
        />
      )}
      <Button type="submit" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
