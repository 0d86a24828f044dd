import type { Metadata } from 'next';
import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Badge } from '@/components/ui/badge';
import { buttonClassName } from '@/components/ui/button-link';
import { Card } from '@/components/ui/card';
import { DataList } from '@/components/ui/data-list';
import { PageHeader } from '@/components/ui/page-header';
import { UtcTime } from '@/components/ui/utc-time';
import { requirePageUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { isAppError } from '@/lib/errors/app-error';
import { can } from '@/lib/rbac/require-permission';
import { getReadingProof } from '@/lib/telemetry/get-reading-proof';
import { NotPermitted } from '@/app/admin/not-permitted';

export const metadata: Metadata = { title: 'Inclusion proof' };
export const dynamic = 'force-dynamic';

const hex = (h: string) => <code className="font-mono text-xs break-all">{h}</code>;

/** 21 CFR 11.10(e): one reading's inclusion proof, readable — the JSON is a download beside it. */
export default async function ReadingProofPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser(`/telemetry/proof/${id}`);
  if (!can(user, 'telemetry.read')) return <NotPermitted title="Inclusion proof" permission="telemetry.read" />;
  let view;
  try {
    view = await getReadingProof(getDb(), user, id);
  } catch (e) {
    if (isAppError(e) && e.code === 'NOT_FOUND') notFound();
    throw e;
  }
  const { reading: r, proof: p } = view;
  const ok = p.valid && p.rootInAudit;
  return (
    <>
      <PageHeader
        title={`Inclusion proof of reading ${r.id}`}
        description="The reading's leaf, the Merkle path to its batch's root, and the audit event that holds the root: anyone can re-check it offline from the JSON."
        actions={
          <>
            <Link href={`/telemetry?device=${encodeURIComponent(r.deviceId)}`} className={buttonClassName('secondary')}>
              Back to telemetry
            </Link>
            <a href={`/api/telemetry/${r.id}/proof?download=1`} download className={buttonClassName('primary')}>
              Download JSON
            </a>
          </>
        }
      />
      <div className="grid gap-4">
        <Card
          title="Verification"
          actions={
            <Badge tone={ok ? 'ok' : 'danger'} data-testid="proof-verdict">
              {ok ? 'Verified ✓' : 'Not verified'}
            </Badge>
          }
        >
          <DataList
            items={[
              { term: 'Raw payload hash', description: p.rawSha256 === p.rawSha256Recomputed ? 'matches the stored payload' : 'DOES NOT match the stored payload' },
              { term: 'Merkle path', description: p.valid ? 'leads from the leaf to the batch root' : 'does not lead to the batch root' },
              { term: 'Root in the audit trail', description: p.rootInAudit ? `recorded in audit event seq ${p.auditSeq} (chain ${p.auditChainId})` : `not found in audit event seq ${p.auditSeq}` },
            ]}
          />
        </Card>
        <div className="grid items-start gap-4 lg:grid-cols-2">
          <Card title="Reading">
            <DataList
              items={[
                { term: 'Reading', description: <span className="font-mono">{r.id}</span> },
                { term: 'Device', description: <span className="font-mono">{r.deviceId}{r.sensorId ? ` / ${r.sensorId}` : ''}</span> },
                { term: 'Value (as sent)', description: `${r.valueText}${r.unit ? ` ${r.unit}` : ''}` },
                { term: 'Device time (as sent)', description: <span className="font-mono text-xs">{r.deviceTs}</span> },
                { term: 'Received', description: <UtcTime iso={r.receivedAt} suffix=" UTC" className="" /> },
                { term: 'Flags', description: r.flags.length ? r.flags.join(', ') : 'none' },
                { term: 'Payload SHA-256', description: hex(p.rawSha256) },
              ]}
            />
          </Card>
          <Card title="Batch">
            <DataList
              items={[
                { term: 'Batch', description: <span className="font-mono">{p.batchId}</span> },
                { term: 'Position in batch', description: String(p.index) },
                { term: 'Leaf hash', description: hex(p.leaf) },
                { term: 'Merkle root', description: hex(p.merkleRoot) },
                { term: 'Audit event', description: `seq ${p.auditSeq}, chain ${p.auditChainId}` },
              ]}
            />
          </Card>
        </div>
        <Card title="Merkle path" description="Each step hashes the running value with the sibling on the side shown, from the leaf up to the root.">
          {p.proof.length === 0 ? (
            <p className="text-sm text-slate-600">The reading is the batch&apos;s only leaf: its leaf hash is the root.</p>
          ) : (
            <ol className="grid gap-1 text-sm">
              {p.proof.map((s, i) => (
                <li key={i} className="grid grid-cols-[4rem_4rem_1fr] gap-2">
                  <span className="text-slate-600">step {i + 1}</span>
                  <span>{s.side}</span>
                  {hex(s.hash)}
                </li>
              ))}
            </ol>
          )}
        </Card>
      </div>
    </>
  );
}
