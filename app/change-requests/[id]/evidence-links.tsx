// The identity evidence a user.create request names (21 CFR 11.100(b)): approvers open each
// file before they sign. The link serves the stored bytes, whose SHA-256 the payload carries.

export function EvidenceLinks({ payload }: { payload: Record<string, unknown> }) {
  const identity = payload.identity as { evidence?: Array<{ id: string; filename: string; sha256: string }> } | undefined;
  if (!identity?.evidence?.length) return null;
  return (
    <div className="mt-3 grid gap-1 text-xs">
      <p className="font-medium text-slate-800">Identity evidence</p>
      <ul className="grid gap-0.5" data-testid="cr-evidence">
        {identity.evidence.map((e) => (
          <li key={e.id}>
            <a href={`/api/identity-evidence/${e.id}`} className="font-medium text-accent-800 underline underline-offset-2">
              {e.filename}
            </a>{' '}
            <span className="font-mono text-slate-600">SHA-256 {e.sha256}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
