import type { Metadata } from 'next';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { requirePageUser } from '@/lib/auth/require-user';
import { MfaEnrolment } from './mfa-enrolment';

export const metadata: Metadata = { title: 'Two-factor authentication' };
export const dynamic = 'force-dynamic';

export default async function MfaPage() {
  const user = await requirePageUser('/account/mfa', { allow: ['mfa_pending'] });
  return (
    <div className="mx-auto mt-6 w-full max-w-md">
      <Card title="Two-factor authentication" headingLevel={1}>
        {user.mfaEnabled ? <Alert tone="ok">Two-factor authentication is on for your account.</Alert> : <MfaEnrolment />}
      </Card>
    </div>
  );
}
