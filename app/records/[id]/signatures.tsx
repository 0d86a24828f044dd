import { LocalTime } from '@/components/esign/local-time';
import { formatUtc } from '@/lib/esign/manifestation';
import type { TSignatureView } from '@/lib/records/get-record';

/**
 * Every signature's manifestation (21 CFR 11.50): printed name, date and time of signing, and
 * meaning — with what it was bound to (11.70). A signature whose signed content no longer
 * matches the stored content is shown as invalid, never hidden.
 */
export function SignatureList({ signatures, currentVersion }: { signatures: TSignatureView[]; currentVersion: number }) {
  if (signatures.length === 0) return <p className="text-sm text-slate-600">Not signed yet.</p>;
  return (
    <ol className="grid gap-2">
      {signatures.map((s) => {
        const valid = s.validity === 'valid';
        return (
          <li
            key={s.id}
            data-testid="signature"
            className={['rounded-md border px-3 py-2', valid ? 'border-slate-200' : 'border-red-300 bg-red-50'].join(' ')}
          >
            <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
              <p className={valid ? 'text-slate-900' : 'text-red-900'}>
                <span className="font-semibold" data-testid="signature-name">
                  {s.printedName}
                </span>{' '}
                <span className="text-slate-600">({s.employeeId})</span> —{' '}
                <span className="font-semibold tracking-wide" data-testid="signature-meaning">
                  {s.meaning}
                </span>
              </p>
              <span className="text-xs text-slate-600">
                version {s.version}
                {s.version !== currentVersion && ' (superseded)'} · {s.transition}
              </span>
            </div>
            <p className="mt-0.5 text-xs text-slate-700">
              <time dateTime={s.signedAt.toISOString()} className="font-medium text-slate-900">
                {formatUtc(s.signedAt)}
              </time>
              <span className="text-slate-500"> · your time </span>
              <LocalTime iso={s.signedAt.toISOString()} />
            </p>
            <p className="mt-0.5 text-xs text-slate-600">
              Role: {s.role}
              {s.comment && (
                <>
                  {' '}
                  · Comment: <span className="text-slate-900">{s.comment}</span>
                </>
              )}
            </p>
            <p className="mt-0.5 font-mono text-[11px] [overflow-wrap:anywhere] text-slate-600">
              {s.contextRef}
              <br />
              signed SHA-256 {s.contentHash} · audit seq {s.auditSeq}
            </p>
            {valid ? (
              <span className="sr-only">Signature valid: the stored content matches what was signed.</span>
            ) : (
              <p role="alert" className="mt-1 text-xs font-semibold text-red-800">
                INVALID — {s.invalidReason ?? 'stored content no longer matches what was signed'}
              </p>
            )}
          </li>
        );
      })}
    </ol>
  );
}
