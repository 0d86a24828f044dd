import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { Card } from '@/components/ui/card';
import { currentSession } from '@/lib/auth/require-user';
import { safeNext } from '@/lib/http/safe-next';
import { UnlockPanel } from './unlock-panel';

export const metadata: Metadata = { title: 'Session locked' };
export const dynamic = 'force-dynamic';

/** Reached when a locked session loads a page; the in-page lock dialog covers the usual case. */
export default async function UnlockPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNext((await searchParams).next);
  const { state, user } = await currentSession();
  if (state === 'ok') redirect(next);
  if (!user || state !== 'idle_locked') redirect(`/login?next=${encodeURIComponent(next)}`);
  return (
    <div className="mx-auto mt-10 w-full max-w-sm">
      <Card title="Session locked" headingLevel={1}>
        <UnlockPanel displayName={user.displayName} employeeId={user.employeeId} next={next} />
      </Card>
    </div>
  );
}
