import Link from 'next/link';
import { Alert } from '@/components/ui/alert';
import { PageHeader } from '@/components/ui/page-header';
import type { TPermission } from '@/lib/rbac/permissions';

/**
 * A page the signed-in person may not open: say which permission is missing instead of the
 * generic error page (the service refuses the data anyway).
 */
export function NotPermitted({ title, permission }: { title: string; permission: TPermission }) {
  return (
    <>
      <PageHeader title={title} />
      <div className="grid justify-items-start gap-3">
        <Alert tone="warn">
          <strong className="font-semibold">Not permitted.</strong> You do not have the permission <code className="font-mono">{permission}</code>. Ask
          an administrator to request a role that grants it.
        </Alert>
        <Link href="/" className="text-sm font-medium text-accent-800 underline underline-offset-2">
          Go to the home page
        </Link>
      </div>
    </>
  );
}
