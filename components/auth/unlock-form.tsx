'use client';

import { useState, type FormEvent } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';

export type TUnlockOutcome = 'unlocked' | 'ended';

/** Password-only re-entry for the same user; "Switch user" ends the session instead. */
export function UnlockForm({
  displayName,
  employeeId,
  onDone,
}: {
  displayName: string;
  employeeId: string;
  onDone: (outcome: TUnlockOutcome) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const password = String(new FormData(form).get('password') ?? '');
    setBusy(true);
    setError(null);
    try {
      const res = await fetch('/api/session/unlock', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ password }),
      });
      if (res.ok) {
        form.reset();
        onDone('unlocked');
        return;
      }
      const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
      setError(body?.error?.message ?? 'Unlock failed — try again');
      if (res.status === 401) onDone('ended');
    } finally {
      setBusy(false);
    }
  }

  async function switchUser() {
    await fetch('/api/session/end', { method: 'POST' }).catch(() => undefined);
    onDone('ended');
  }

  return (
    <form onSubmit={onSubmit} className="grid gap-3" noValidate>
      <p className="text-sm text-slate-700">
        Signed in as <strong>{displayName}</strong> ({employeeId}). Enter your password to continue where you left off.
      </p>
      {error && <Alert tone="danger">{error}</Alert>}
      <Field label="Password" name="password" type="password" autoComplete="current-password" required autoFocus />
      <div className="flex items-center justify-between gap-2">
        <Button variant="secondary" onClick={switchUser}>
          Switch user
        </Button>
        <Button type="submit" disabled={busy}>
          {busy ? 'Unlocking…' : 'Unlock'}
        </Button>
      </div>
    </form>
  );
}
