'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DisabledButton } from '@/components/ui/disabled-button';

type TManifest = { file: string; size: number; ciphertext_sha256: string; chain: { head_seq: string; head_hash: string }; migration_id: string; engine: string };
type TState =
  | { phase: 'idle' }
  | { phase: 'running'; step: string; bytes: number }
  | { phase: 'done'; manifestHash: string; manifest: TManifest }
  | { phase: 'error'; message: string };

const STEP: Record<string, string> = { snapshot: 'Taking a consistent snapshot', dump: 'Dumping and encrypting', manifest: 'Signing the manifest', done: 'Done' };

/** "Back up now": streams the progress of POST /api/backups and shows the signed manifest. */
export function BackUpNow({ allowed }: { allowed: boolean }) {
  const router = useRouter();
  const [s, setS] = useState<TState>({ phase: 'idle' });
  if (!allowed) return <DisabledButton reason="Needs the permission backups.manage">Back up now</DisabledButton>;
  async function run() {
    setS({ phase: 'running', step: STEP.snapshot, bytes: 0 });
    try {
      const res = await fetch('/api/backups', { method: 'POST' });
      if (!res.ok || !res.body) {
        const j = (await res.json().catch(() => ({}))) as { error?: string };
        setS({ phase: 'error', message: j.error ?? `The backup could not start (${res.status})` });
        return;
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as { progress?: { phase: string; bytes: number }; result?: { manifestHash: string; manifest: TManifest }; error?: string };
          buf = buf.slice(nl + 1);
          if (line.progress) setS({ phase: 'running', step: STEP[line.progress.phase] ?? line.progress.phase, bytes: line.progress.bytes });
          if (line.result) setS({ phase: 'done', manifestHash: line.result.manifestHash, manifest: line.result.manifest });
          if (line.error) setS({ phase: 'error', message: line.error });
        }
      }
      router.refresh();
    } catch {
      setS({ phase: 'error', message: 'The connection to the server was lost' });
    }
  }
  return (
    <div className="flex flex-col items-end gap-2">
      <Button onClick={run} disabled={s.phase === 'running'}>
        {s.phase === 'running' ? 'Backing up…' : 'Back up now'}
      </Button>
      {s.phase === 'running' && (
        <p role="status" className="text-sm text-slate-700">
          {s.step}… {(s.bytes / 1048576).toFixed(1)} MiB written
        </p>
      )}
      {s.phase === 'error' && <Alert tone="danger">{s.message}</Alert>}
      {s.phase === 'done' && (
        <div role="status" className="w-full max-w-xl rounded-md bg-emerald-50 p-3 text-sm text-slate-800 ring-1 ring-emerald-200" data-testid="backup-manifest">
          <p className="font-medium">Backup written: {s.manifest.file}</p>
          <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 font-mono text-xs">
            <dt>Manifest SHA-256</dt>
            <dd className="break-all">{s.manifestHash}</dd>
            <dt>Chain head</dt>
            <dd className="break-all">seq {s.manifest.chain.head_seq} · {s.manifest.chain.head_hash}</dd>
            <dt>Size</dt>
            <dd>{s.manifest.size} bytes</dd>
            <dt>Ciphertext SHA-256</dt>
            <dd className="break-all">{s.manifest.ciphertext_sha256}</dd>
            <dt>Migration</dt>
            <dd>{s.manifest.migration_id}</dd>
          </dl>
        </div>
      )}
    </div>
  );
}
