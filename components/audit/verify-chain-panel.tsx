'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { DisabledButton } from '@/components/ui/disabled-button';
import { Field } from '@/components/ui/field';
import type { TVerificationReport } from '@/lib/audit/run-verification';
import { createLineSplitter } from './stream-progress';
import { ProgressBar } from './progress-bar';
import { utcText } from '@/lib/format/utc-text';

type TState =
  | { phase: 'idle' }
  | { phase: 'running'; verified: number; total: number | null }
  | { phase: 'done'; result: TVerificationReport }
  | { phase: 'error'; message: string; fields?: Record<string, string> };

const SEQ = /^\d{0,18}$/;
const fmt = (n: number | string) => Number(n).toLocaleString('en-US');

/**
 * Runs POST /api/audit/verify and follows its NDJSON stream: progress lines feed the bar, the
 * last line is the verdict. The server records every verification as an `audit.verify` event.
 */
export function VerifyChainPanel({ canVerify, chain }: { canVerify: boolean; chain?: string }) {
  const router = useRouter();
  const [state, setState] = useState<TState>({ phase: 'idle' });
  const [fromSeq, setFromSeq] = useState('');
  const [toSeq, setToSeq] = useState('');
  const abort = useRef<AbortController | null>(null);
  const running = state.phase === 'running';
  const invalid = !SEQ.test(fromSeq) || !SEQ.test(toSeq);

  async function verify() {
    const ac = new AbortController();
    abort.current = ac;
    setState({ phase: 'running', verified: 0, total: null });
    try {
      const res = await fetch('/api/audit/verify', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ chain, fromSeq: fromSeq || undefined, toSeq: toSeq || undefined }),
        signal: ac.signal,
        cache: 'no-store',
      });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string; fields?: Record<string, string> } } | null;
        setState({ phase: 'error', message: body?.error?.message ?? `The verification could not start (HTTP ${res.status})`, fields: body?.error?.fields });
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      const lines = createLineSplitter();
      let outcome: TState | null = null;
      const handle = (line: string) => {
        const msg = JSON.parse(line) as { progress?: { verified: number; total: number }; result?: TVerificationReport; error?: string };
        if (msg.progress) setState({ phase: 'running', verified: msg.progress.verified, total: msg.progress.total });
        else if (msg.result) outcome = { phase: 'done', result: msg.result };
        else if (msg.error) outcome = { phase: 'error', message: msg.error };
      };
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        lines.push(value).forEach(handle);
      }
      lines.end().forEach(handle);
      setState(outcome ?? { phase: 'error', message: 'The verification stopped before it reported a result' });
      // The verification is itself an audit event: show it in the trail.
      router.refresh();
    } catch (e) {
      setState(ac.signal.aborted ? { phase: 'idle' } : { phase: 'error', message: e instanceof Error ? `The verification failed: ${e.message}` : 'The verification failed' });
    } finally {
      abort.current = null;
    }
  }

  return (
    <Card
      id="audit-verify"
      className="scroll-mt-4"
      title="Verify chain"
      description="Recomputes every event's SHA-256 link, checks the signed checkpoints and every electronic signature against its record."
    >
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          if (canVerify && !running && !invalid) void verify();
        }}
      >
        <Field
          name="verifyFromSeq"
          label="From seq"
          inputMode="numeric"
          placeholder="1"
          value={fromSeq}
          onChange={(e) => setFromSeq(e.target.value.trim())}
          error={!SEQ.test(fromSeq) ? 'must be a whole number' : state.phase === 'error' ? state.fields?.fromSeq : undefined}
          disabled={!canVerify || running}
          className="w-28"
        />
        <Field
          name="verifyToSeq"
          label="To seq"
          inputMode="numeric"
          placeholder="head"
          value={toSeq}
          onChange={(e) => setToSeq(e.target.value.trim())}
          error={!SEQ.test(toSeq) ? 'must be a whole number' : state.phase === 'error' ? state.fields?.toSeq : undefined}
          disabled={!canVerify || running}
          className="w-28"
        />
        {canVerify ? (
          <>
            <Button type="submit" disabled={running || invalid}>
              {running ? 'Verifying…' : 'Verify chain'}
            </Button>
            {running && (
              <Button variant="ghost" onClick={() => abort.current?.abort()}>
                Stop
              </Button>
            )}
          </>
        ) : (
          <DisabledButton variant="primary" reason="Requires the permission audit.verify">
            Verify chain
          </DisabledButton>
        )}
      </form>

      {state.phase === 'running' && (
        <div className="mt-3">
          <ProgressBar
            label="Verification progress"
            value={state.total === null ? null : state.verified}
            max={state.total ?? undefined}
            text={state.total === null ? 'Starting…' : `${fmt(state.verified)} of ${fmt(state.total)} events verified`}
          />
        </div>
      )}
      {state.phase === 'error' && (
        <p role="alert" className="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.message}
        </p>
      )}
      {state.phase === 'done' && <VerificationResult r={state.result} />}
    </Card>
  );
}

function VerificationResult({ r }: { r: TVerificationReport }) {
  const cp = r.checkpoint;
  const invalidSignatures = r.signatures.invalid.length;
  const details = (
    <dl className="mt-2 grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1 text-xs">
      <dt className="font-medium">Range</dt>
      <dd className="tabular-nums">
        seq {r.from} – {r.to ?? r.headSeq} · {fmt(r.count)} events
      </dd>
      <dt className="font-medium">Head</dt>
      <dd className="min-w-0">
        seq <span className="tabular-nums">{r.headSeq}</span>, hash <span className="font-mono break-all">{r.headHash}</span>
      </dd>
      <dt className="font-medium">Newest checkpoint</dt>
      <dd>{cp ? `#${cp.id} at seq ${cp.seq}, signed ${utcText(cp.signedAt)} UTC — ${cp.status === 'ok' ? 'signature and hash verified' : `${cp.status}: ${cp.detail}`}` : 'none yet (the next export signs one)'}</dd>
      {r.warnings?.length ? (
        <>
          <dt className="font-medium">Warnings</dt>
          <dd>{r.warnings.join('; ')}</dd>
        </>
      ) : null}
      <dt className="font-medium">Displayed columns</dt>
      <dd>{r.display ? (r.display.ok ? `${fmt(r.display.checked)} events: every column equals the chain` : `${fmt(r.display.mismatches)} event(s) differ from the chain`) : '—'}</dd>
      <dt className="font-medium">Signatures</dt>
      <dd>
        {fmt(r.signatures.checked)} checked{invalidSignatures ? `, ${invalidSignatures} no longer match their record` : ', all match their records'}
        {r.signatureChain ? (r.signatureChain.invalid.length ? `; ${r.signatureChain.invalid.length} disagree with the audit trail` : '; all agree with the audit trail') : ''}
      </dd>
    </dl>
  );
  if (r.ok) {
    return (
      <div role="status" className="mt-3 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-emerald-900" data-testid="verify-result">
        <p className="text-sm font-semibold">OK — the chain is intact</p>
        {details}
      </div>
    );
  }
  return (
    <div role="alert" className="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-red-800" data-testid="verify-result">
      <p className="text-sm font-semibold">BROKEN</p>
      <ul className="mt-1 list-disc pl-4 text-sm">
        {r.broken && (
          <li>
            First broken event: seq <strong className="tabular-nums">{r.broken.seq}</strong> — {r.broken.reason.replace(/_/g, ' ')}: {r.broken.detail}
          </li>
        )}
        {cp && cp.status !== 'ok' && (
          <li>
            Checkpoint #{cp.id} at seq {cp.seq}: {cp.status.replace(/_/g, ' ')} — {cp.detail}
          </li>
        )}
        {r.display && !r.display.ok && (
          <li>
            {fmt(r.display.mismatches)} event(s) show columns that differ from the chain — first at seq{' '}
            <strong className="tabular-nums">{r.display.first[0]?.seq}</strong>, column <strong>{r.display.first[0]?.columns[0]}</strong>: {r.display.first[0]?.detail}
          </li>
        )}
        {r.state?.divergences.map((d) => (
          <li key={`state-${d.kind}-${d.entity}-${d.field}`}>
            Live state differs from the audit trail ({d.kind} {d.entity}, {d.field}): {d.detail}
          </li>
        ))}
        {r.signatureChain?.invalid.map((p) => (
          <li key={`chain-${p.signatureId}`}>
            Signature on <Link href={`/records/${p.recordId}`} className="font-medium underline underline-offset-2">record {p.recordNumber} v{p.version}</Link> disagrees with the audit trail: {p.detail}
          </li>
        ))}
        {r.signatures.invalid.map((s) => (
          <li key={s.signatureId}>
            Signature on <Link href={`/records/${s.recordId}`} className="font-medium underline underline-offset-2">record v{s.version}</Link>: {s.validity.replace(/_/g, ' ')}
          </li>
        ))}
      </ul>
      {details}
    </div>
  );
}
