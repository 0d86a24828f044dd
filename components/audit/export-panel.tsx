'use client';

import { useRef, useState } from 'react';
import { Button } from '@/components/ui/button';
import { Card } from '@/components/ui/card';
import { DisabledButton } from '@/components/ui/disabled-button';
import { ProgressBar } from './progress-bar';
import { createCsvRowCounter, filenameFromDisposition, formatBytes } from './stream-progress';

type TFormat = 'csv' | 'pdf' | 'bundle';

const FORMATS: Array<{ format: TFormat; label: string; ext: string }> = [
  { format: 'csv', label: 'CSV', ext: 'csv' },
  { format: 'pdf', label: 'PDF', ext: 'pdf' },
  { format: 'bundle', label: 'Evidence bundle', ext: 'json' },
];

type TState =
  | { phase: 'idle' }
  | { phase: 'running'; format: TFormat; rows: number; total: number | null; bytes: number }
  | { phase: 'done'; format: TFormat; filename: string; rows: number | null; bytes: number }
  | { phase: 'cancelled'; format: TFormat }
  | { phase: 'error'; format: TFormat; message: string };

const fmt = (n: number) => n.toLocaleString('en-US');
const labelOf = (f: TFormat) => FORMATS.find((x) => x.format === f)!.label;

/**
 * Downloads an export of the current filter with fetch, so progress shows and the download can
 * be cancelled (the server records a cancelled export as such); the file is saved from a Blob.
 */
export function ExportPanel({ query, filterText, canExport, keyId }: { query: string; filterText: string; canExport: boolean; keyId: string | null }) {
  const [state, setState] = useState<TState>({ phase: 'idle' });
  const abort = useRef<AbortController | null>(null);
  const running = state.phase === 'running';

  async function download(format: TFormat) {
    const ac = new AbortController();
    abort.current = ac;
    setState({ phase: 'running', format, rows: 0, total: null, bytes: 0 });
    try {
      const res = await fetch(`/api/audit/export?${new URLSearchParams([['format', format], ...new URLSearchParams(query)])}`, { signal: ac.signal, cache: 'no-store' });
      if (!res.ok || !res.body) {
        const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
        setState({ phase: 'error', format, message: body?.error?.message ?? `The export could not start (HTTP ${res.status})` });
        return;
      }
      const totalHeader = res.headers.get('x-custos-rows');
      const total = totalHeader !== null && /^\d+$/.test(totalHeader) ? Number(totalHeader) : null;
      const filename = filenameFromDisposition(res.headers.get('content-disposition'), `custos-audit.${FORMATS.find((x) => x.format === format)!.ext}`);
      const counter = format === 'csv' ? createCsvRowCounter() : null;
      const chunks: Uint8Array[] = [];
      let bytes = 0;
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        bytes += value.length;
        setState({ phase: 'running', format, rows: counter ? counter.push(value) : 0, total, bytes });
      }
      const blob = new Blob(chunks as BlobPart[], { type: res.headers.get('content-type') ?? 'application/octet-stream' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      document.body.append(a);
      a.click();
      a.remove();
      // Revoked later, not at once: the browser reads the Blob after click() returns.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      setState({ phase: 'done', format, filename, rows: counter ? counter.rows : total, bytes });
    } catch (e) {
      setState(ac.signal.aborted ? { phase: 'cancelled', format } : { phase: 'error', format, message: e instanceof Error ? `The download failed: ${e.message}` : 'The download failed' });
    } finally {
      abort.current = null;
    }
  }

  return (
    <Card id="audit-export" className="scroll-mt-4" title="Export" description={<>Of the current filter: {filterText}. Every export is recorded in the trail with the file&rsquo;s SHA-256.</>}>
      <div className="flex flex-wrap items-center gap-2">
        {FORMATS.map(({ format, label }) =>
          canExport ? (
            <Button key={format} variant="secondary" disabled={running} onClick={() => void download(format)}>
              {label}
            </Button>
          ) : (
            <DisabledButton key={format} reason="Requires the permission audit.export">
              {label}
            </DisabledButton>
          ),
        )}
        {running && (
          <Button variant="ghost" onClick={() => abort.current?.abort()}>
            Cancel
          </Button>
        )}
      </div>

      {state.phase === 'running' && (
        <div className="mt-3">
          <ProgressBar
            label={`${labelOf(state.format)} export progress`}
            value={state.format === 'csv' && state.total !== null ? state.rows : null}
            max={state.format === 'csv' && state.total !== null ? state.total : undefined}
            text={
              state.format === 'csv' && state.total !== null
                ? `${fmt(state.rows)} of ${fmt(state.total)} rows received`
                : `${formatBytes(state.bytes)} received${state.total !== null ? ` · ${fmt(state.total)} events` : ''}`
            }
          />
        </div>
      )}
      {state.phase === 'done' && (
        <p role="status" className="mt-3 text-sm text-emerald-800">
          Saved <span className="font-mono text-xs">{state.filename}</span> ({state.rows !== null ? `${fmt(state.rows)} events, ` : ''}
          {formatBytes(state.bytes)}).
        </p>
      )}
      {state.phase === 'cancelled' && (
        <p role="status" className="mt-3 text-sm text-slate-700">
          {labelOf(state.format)} export cancelled; nothing was saved.
        </p>
      )}
      {state.phase === 'error' && (
        <p role="alert" className="mt-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.message}
        </p>
      )}

      <div className="mt-3 border-t border-slate-200 pt-2.5 text-xs text-slate-600">
        <p>
          An <strong className="font-medium text-slate-800">evidence bundle</strong> carries each event&rsquo;s canonical text and hash, the signed checkpoints and the
          server&rsquo;s signature. Check it offline with Node.js 18 or later and nothing else: download{' '}
          <a href="/verify-audit-bundle.mjs" download className="font-medium text-accent-800 underline underline-offset-2">
            verify-audit-bundle.mjs
          </a>{' '}
          and run
        </p>
        <pre className="mt-1 rounded bg-slate-100 px-2 py-1 font-mono text-[11px] wrap-anywhere whitespace-pre-wrap text-slate-800">
          node verify-audit-bundle.mjs bundle.json --key-id {keyId ?? '<key id>'}
        </pre>
        <p className="mt-1">
          {keyId
            ? 'The key id above is this server’s (the SHA-256 of its public key): pinning it proves the bundle was signed by this server, not only that it is consistent.'
            : 'The key id is printed in every export (the checkpoint’s key): pinning it proves the bundle was signed by this server, not only that it is consistent.'}
        </p>
      </div>
    </Card>
  );
}
