'use client';

import { useEffect } from 'react';
import { Button } from '@/components/ui/button';
import { PageHeader } from '@/components/ui/page-header';

// Unexpected errors: the user sees a generic message and a request id (the digest Next.js
// logs with the server-side error), never the raw message.
export default function ErrorPage({ error, retry }: { error: unknown; retry: () => void }) {
  const digest =
    error instanceof Error && typeof (error as { digest?: unknown }).digest === 'string'
      ? (error as Error & { digest: string }).digest
      : null;

  useEffect(() => {
    console.error(error);
  }, [error]);

  return (
    <>
      <PageHeader
        title="Something went wrong"
        description="The page could not be shown. Try again; if it keeps happening, contact your system administrator and quote the request id."
      />
      <div className="grid justify-items-start gap-3">
        {digest && (
          <p className="text-slate-700">
            Request id:{' '}
            <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs text-slate-800 select-all">{digest}</code>
          </p>
        )}
        <Button onClick={() => retry()}>Try again</Button>
      </div>
    </>
  );
}
