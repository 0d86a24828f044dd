import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { Alert } from '@/components/ui/alert';
import { PASSWORD_MIN } from '@/lib/auth/password-policy';
import { currentSession, requirePageUser } from '@/lib/auth/require-user';
import { safeNext } from '@/lib/http/safe-next';
import { ChangePasswordForm } from './change-password-form';

export const metadata: Metadata = { title: 'Change password' };
export const dynamic = 'force-dynamic';

export default async function ChangePasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNext((await searchParams).next);
  await requirePageUser('/account/password', { allow: ['must_change_password', 'password_expired'] });
  const { state } = await currentSession();
  return (
    <div className="mx-auto mt-6 w-full max-w-md">
      <Card title="Change password" headingLevel={1}>
        <div className="grid gap-3">
          {state === 'must_change_password' && <Alert tone="warn">You must choose your own password before you continue.</Alert>}
          {state === 'password_expired' && <Alert tone="warn">Your password has expired. Choose a new one to continue.</Alert>}
          <ChangePasswordForm next={next === '/account/password' ? '/' : next} minLength={PASSWORD_MIN} />
        </div>
      </Card>
    </div>
  );
}
