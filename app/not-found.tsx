import Link from 'next/link';
import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';

export const metadata: Metadata = { title: 'Page not found' };

export default function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" description="There is nothing at this address, or it is no longer available." />
      <p>
        <Link href="/" className="font-medium text-accent-700 underline underline-offset-2 hover:text-accent-800">
          Go to the home page
        </Link>
      </p>
    </>
  );
}
