import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Alert } from '@/components/ui/alert';
import { Card } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/page-header';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { getRecord, type TRecordView } from '@/lib/records/get-record';
import { KIND_CONFIG } from '@/lib/records/kinds';
import { STATUS_LABEL, isEditable } from '@/lib/records/lifecycle';
import { NotPermitted } from '@/app/admin/not-permitted';
import { can } from '@/lib/rbac/require-permission';
import { fieldsOf, valueText } from '../../kind-fields';
import { RecordForm } from '../../record-form';

export const metadata: Metadata = { title: 'Edit record' };
export const dynamic = 'force-dynamic';

export default async function EditRecordPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/records/${id}/edit`);
  if (!can(user, 'records.edit')) return <NotPermitted title="Edit record" permission="records.edit" />;
  let r: TRecordView;
  try {
    r = await getRecord(getDb(), user, id);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
  const current = r.versions.find((v) => v.version === r.currentVersion) ?? r.versions.at(-1)!;
  const initialValues = Object.fromEntries(fieldsOf(r.kind).map(([name]) => [name, valueText(current.content[name])]));
  return (
    <>
      <PageHeader
        title={
          <>
            Edit <span className="font-mono text-slate-600">{r.number}</span> {r.title}
          </>
        }
        description={`${KIND_CONFIG[r.kind].label} · saving makes version ${r.currentVersion + 1} as a draft; version ${r.currentVersion} and its signatures stay as they are.`}
      />
      <Card>
        {isEditable(r.status) ? (
          <RecordForm
            mode="edit"
            kind={r.kind}
            recordId={r.id}
            baseVersion={r.currentVersion}
            initialValues={initialValues}
            cancelHref={`/records/${r.id}`}
          />
        ) : (
          <div className="grid justify-items-start gap-3">
            <Alert tone="warn">
              A record that is {STATUS_LABEL[r.status].toLowerCase()} cannot be edited. Only drafts and rejected records can.
            </Alert>
            <Link href={`/records/${r.id}`} className="text-sm font-medium text-accent-800 underline">
              Back to {r.number}
            </Link>
          </div>
        )}
      </Card>
    </>
  );
}
