import { Badge, type TBadgeTone } from '@/components/ui/badge';

const STATUS: Record<string, { tone: TBadgeTone; label: string }> = {
  held: { tone: 'warn', label: 'Held' },
  reinjected: { tone: 'ok', label: 'Re-injected' },
  discarded: { tone: 'neutral', label: 'Discarded' },
};

export const QUARANTINE_STATUS_OPTIONS = Object.entries(STATUS).map(([value, s]) => ({ value, label: s.label }));

export function QuarantineStatusBadge({ status }: { status: string }) {
  const s = STATUS[status];
  return <Badge tone={s?.tone ?? 'neutral'}>{s?.label ?? status}</Badge>;
}

/** Rejection reasons in words (lib/ingest/verify-*.ts); the code is shown beside them. */
export const REASON_LABEL: Record<string, string> = {
  malformed: 'Not valid JSON',
  schema: 'Not the expected format',
  unknown_device: 'Unknown device',
  unknown_key_version: 'Unknown key version',
  unknown_sensor: 'Unknown sensor',
  schema_hash_mismatch: 'Content changed after signing',
  bad_signature: 'Signature does not verify',
  topic_not_allowed: 'Topic not allowed for the device',
  value_out_of_range: 'Value does not fit the stored number type',
  store_failed: 'Refused by the database',
  too_large: 'Larger than the size limit',
  unsupported_media_type: 'Wrong Content-Type',
  format_not_accepted: 'Format not accepted on this route',
  gateway_mismatch: 'Signed by another gateway than the sender',
};
