'use client';

import { useActionState, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { confirmMfaAction, startMfaAction, type TMfaState } from './actions';

export function MfaEnrolment() {
  const [started, setStarted] = useState<TMfaState>({ step: 'start' });
  const [state, confirm, pending] = useActionState<TMfaState, FormData>(confirmMfaAction, started);
  // The action's first state is the one of the first render (step 'start'): a refused code comes
  // back on it, so its message is shown on the confirm step that is on screen.
  const current = state.step === 'start' ? (state.error && started.step === 'confirm' ? { ...started, error: state.error } : started) : state;

  if (current.step === 'done') {
    return (
      <div className="grid gap-3">
        <Alert tone="ok">Two-factor authentication is on.</Alert>
        <p className="text-sm text-slate-700">
          Recovery codes — each works once in place of a code. They are shown only now: print them or store them safely.
        </p>
        <ul className="grid grid-cols-2 gap-1 font-mono text-sm" data-testid="recovery-codes">
          {current.recoveryCodes?.map((c) => <li key={c}>{c}</li>)}
        </ul>
        {/* A full load, not a client navigation: the root layout (header, idle lock) must render
            again now that the session is no longer pending; the shared layout is not refetched. */}
        <a href="/" className="text-sm font-medium text-accent-800 underline">
          Continue
        </a>
      </div>
    );
  }
  if (current.step === 'confirm') {
    return (
      <form action={confirm} className="grid gap-3" noValidate>
        {current.error && <Alert tone="danger">{current.error}</Alert>}
        <p className="text-sm text-slate-700">Scan the code with your authenticator app, or type the key, then enter the 6-digit code it shows.</p>
        {/* eslint-disable-next-line @next/next/no-img-element -- a data: URL made on the server */}
        <img src={current.qr} alt="QR code for your authenticator app" width={200} height={200} className="rounded border border-slate-200" />
        <p className="text-xs text-slate-600">
          Key: <code data-testid="mfa-secret" className="font-mono text-slate-900">{current.secret}</code>
        </p>
        <Field label="Code" name="code" inputMode="numeric" autoComplete="one-time-code" required maxLength={6} />
        <Button type="submit" disabled={pending}>
          {pending ? 'Checking…' : 'Turn on two-factor authentication'}
        </Button>
      </form>
    );
  }
  return (
    <div className="grid gap-3">
      {started.error && <Alert tone="danger">{started.error}</Alert>}
      <p className="text-sm text-slate-700">Administrators sign in with a password and a code from an authenticator app (TOTP).</p>
      <Button onClick={async () => setStarted(await startMfaAction())}>Set up authenticator app</Button>
    </div>
  );
}
