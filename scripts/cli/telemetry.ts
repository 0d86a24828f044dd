import { proveReading } from '@/lib/ingest/prove-reading';
import { UsageError, bigintFlag, parseFlags } from './args';
import { print, withDb } from './context';

export async function telemetryCommand(verb: string | undefined, rest: string[]): Promise<number> {
  if (verb === 'list') {
    const f = parseFlags(rest, { device: { type: 'string' }, limit: { type: 'string' } });
    const limit = Math.min(Number(f.limit ?? 100) || 100, 10_000);
    const rows = await withDb((db) =>
      db.telemetry.findMany({
        where: f.device ? { deviceId: f.device as string } : {},
        orderBy: [{ receivedAt: 'desc' }, { id: 'desc' }],
        take: limit,
        select: { id: true, receivedAt: true, deviceId: true, sensorId: true, valueText: true, unit: true, deviceTs: true, skewMs: true, flags: true, batchId: true },
      }),
    );
    print(
      { json: Boolean(f.json) },
      rows,
      rows.map((r) => `${r.id}\t${r.receivedAt.toISOString()}\t${r.deviceId}\t${r.sensorId ?? ''}\t${r.valueText} ${r.unit ?? ''}\t${r.flags.join(',')}`).join('\n') || 'no readings',
    );
    return 0;
  }
  if (verb === 'prove') {
    const f = parseFlags(rest, { id: { type: 'string' } }, ['id']);
    const id = bigintFlag(f.id, 'id')!;
    const p = await withDb((db) => proveReading(db, id));
    print(
      { json: Boolean(f.json) },
      p,
      `${p.valid && p.rootInAudit ? 'PROVEN' : 'NOT PROVEN'}: reading ${p.telemetryId} is leaf ${p.index} of batch ${p.batchId}; ` +
        `Merkle root ${p.merkleRoot} is in audit event seq ${p.auditSeq}${p.rootInAudit ? '' : ' (NOT FOUND there)'}; proof of ${p.proof.length} step(s)` +
        (p.fieldsMatch ? '; value, unit and device time equal the signed payload' : '') +
        (p.reasons.length ? `\n${p.reasons.map((r) => `  - ${r}`).join('\n')}` : ''),
    );
    return p.valid && p.rootInAudit ? 0 : 1;
  }
  throw new UsageError(`unknown command: telemetry ${verb ?? ''}`.trim());
}

export async function quarantineCommand(verb: string | undefined, rest: string[]): Promise<number> {
  if (verb !== 'list') throw new UsageError(`unknown command: quarantine ${verb ?? ''}`.trim());
  const f = parseFlags(rest, { status: { type: 'string' }, limit: { type: 'string' } });
  const rows = await withDb((db) =>
    db.quarantine.findMany({
      where: f.status ? { status: f.status as string } : {},
      orderBy: { id: 'desc' },
      take: Math.min(Number(f.limit ?? 100) || 100, 10_000),
      select: { id: true, receivedAt: true, source: true, topic: true, deviceHint: true, reason: true, detail: true, status: true, rawSha256: true },
    }),
  );
  const out = rows.map((r) => ({ ...r, rawSha256: Buffer.from(r.rawSha256).toString('hex') }));
  print({ json: Boolean(f.json) }, out, out.map((r) => `${r.id}\t${r.receivedAt.toISOString()}\t${r.status}\t${r.reason}\t${r.deviceHint ?? ''}\t${r.detail ?? ''}`).join('\n') || 'quarantine is empty');
  return 0;
}
