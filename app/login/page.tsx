import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/auth/sign-in-form';
import { Card } from '@/components/ui/card';
import { currentSession, sessionStateMessage } from '@/lib/auth/require-user';
import type { TSessionState } from '@/lib/auth/session-rules';
import { safeNext } from '@/lib/http/safe-next';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

const REASONS = new Set<string>(['revoked', 'expired', 'user_disabled', 'user_locked']);

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const next = safeNext(sp.next);
  const { state } = await currentSession();
  if (state === 'ok') redirect(next);
  const reason = typeof sp.reason === 'string' && REASONS.has(sp.reason) ? sessionStateMessage(sp.reason as Exclude<TSessionState, 'ok'>) : null;
  return (
    <div className="mx-auto mt-10 w-full max-w-sm">
      <Card title="Sign in to Custos" headingLevel={1} description="Use your employee ID and password. Every attempt is recorded.">
        <SignInForm next={next} notice={reason} />
      </Card>
    </div>
  );
}
