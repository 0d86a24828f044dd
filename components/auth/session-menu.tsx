'use client';

import { signOut } from 'next-auth/react';
import Link from 'next/link';
import { Button } from '@/components/ui/button';

/** Who am I, and the way out. Sign-out revokes the session row (next-auth signOut event). */
export function SessionMenu({ displayName, employeeId, roles }: { displayName: string; employeeId: string; roles: string[] }) {
  return (
    <div className="flex items-center gap-3 text-xs">
      <div className="text-right leading-tight">
        <div className="font-medium text-slate-900" data-testid="session-user">
          {displayName} <span className="font-normal text-slate-600">({employeeId})</span>
        </div>
        <div className="text-slate-600">{roles.join(', ') || 'no role'}</div>
      </div>
      <Link href="/account/training" className="rounded-md px-2 py-1 font-medium text-slate-700 hover:bg-slate-100">
        Training
      </Link>
      <Link href="/account/password" className="rounded-md px-2 py-1 font-medium text-slate-700 hover:bg-slate-100">
        Password
      </Link>
      <Button variant="secondary" size="sm" onClick={() => void signOut({ callbackUrl: '/login' })}>
        Sign out
      </Button>
    </div>
  );
}
