'use client';

import { signOut } from 'next-auth/react';
import { useRouter } from 'next/navigation';
import { UnlockForm } from '@/components/auth/unlock-form';

export function UnlockPanel({ displayName, employeeId, next }: { displayName: string; employeeId: string; next: string }) {
  const router = useRouter();
  return (
    <UnlockForm
      displayName={displayName}
      employeeId={employeeId}
      onDone={(outcome) => {
        if (outcome === 'unlocked') {
          router.replace(next);
          router.refresh();
        } else {
          void signOut({ callbackUrl: '/login' });
        }
      }}
    />
  );
}
