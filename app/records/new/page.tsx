import type { Metadata } from 'next';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { KIND_CONFIG, RECORD_KINDS, type TRecordKind } from '@/lib/records/kinds';
import { NotPermitted } from '@/app/admin/not-permitted';
import { can } from '@/lib/rbac/require-permission';
import { RecordForm } from '../record-form';

export const metadata: Metadata = { title: 'New record' };
export const dynamic = 'force-dynamic';

export default async function NewRecordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser('/records/new');
  if (!can(user, 'records.create')) return <NotPermitted title="New record" permission="records.create" />;
  // Excursions are opened by telemetry, not typed in.
  const kinds = RECORD_KINDS.filter((k) => KIND_CONFIG[k].manual).map((k) => ({ value: k, label: KIND_CONFIG[k].label }));
  const asked = (await searchParams).kind;
  const initialKind = kinds.find((k) => k.value === asked)?.value ?? ('batch_record' satisfies TRecordKind);
  return (
    <>
      <PageHeader title="New record" description="The record starts as a draft, version 1. Signing it submits it for review." />
      <Card>
        <RecordForm mode="create" kinds={kinds} initialKind={initialKind} cancelHref="/records" />
      </Card>
    </>
  );
}
