import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TIngestResult } from '@/lib/ingest/ingestor';
import { tsxEsmApi } from '@/lib/ingest/verify-pool';
import type { TVerdict } from '@/lib/ingest/verify-inbound';

// The gateway endpoint's group commits on a thread of their own (CUSTOS_GATEWAY_COMMIT_THREAD).
// A group's transaction is a dozen round trips to PostgreSQL; on the thread that also parses
// and verifies every HTTP post, each reply waits behind that work, and a commit took twice as
// long as its statements. On its own event loop a commit takes what its statements take. The
// thread has its own connection pool and device store (reloaded whenever the main thread's was
// reloaded since), runs the same Ingestor.storeVerdicts, and answers each group after COMMIT.
// If the thread cannot start or dies, groups are committed on the calling thread again.

export type TCommitRequest = { id: number; verdicts: TVerdict[]; keysLoadedAt: number };
export type TCommitReply =
  | { id: number; ready: true }
  | { id: number; result: TIngestResult; commitSeconds: number }
  | { id: number; error: { message: string; code?: string } };

const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** A verdict as it arrives on the other thread (Buffers come as Uint8Arrays): Buffers again. */
export function reviveVerdict(v: TVerdict): TVerdict {
  if (v.ok) {
    const r = v.reading;
    return { ok: true, reading: { ...r, inbound: { ...r.inbound, raw: buf(r.inbound.raw) }, rawSha256: buf(r.rawSha256), dedupKey: buf(r.dedupKey) } };
  }
  const r = v.rejected;
  return { ok: false, rejected: { ...r, inbound: { ...r.inbound, raw: buf(r.inbound.raw) }, rawSha256: buf(r.rawSha256) } };
}

/** lib/ingest/<name>.ts from source: next to this module when it runs from source, else under the project root. */
function sourceFile(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const dir of [here, path.join(process.cwd(), 'lib', 'ingest')]) {
    const f = path.join(dir, name);
    if (existsSync(/* turbopackIgnore: true */ f)) return f;
  }
  throw new Error(`${name} not found (the commit thread runs from the project's source)`);
}

export class CommitThread {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: { result: TIngestResult; commitSeconds: number }) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  constructor(private readonly log: (line: string) => void = (line) => console.error(line)) {}

  private isReady = false;

  /** The thread has started and answered (and has not failed since). */
  get started(): boolean {
    return this.isReady && this.failure === null;
  }

  /** False once the thread could not start or died: the caller commits on its own thread. */
  get usable(): boolean {
    return this.failure === null;
  }

  /** Stops the thread; groups in flight fail (the gateways retry), later ones commit on the calling thread. */
  async close(): Promise<void> {
    await this.worker?.terminate();
  }

  async store(verdicts: TVerdict[], keysLoadedAt: number): Promise<{ result: TIngestResult; commitSeconds: number }> {
    await this.start();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, verdicts, keysLoadedAt } satisfies TCommitRequest);
    });
  }

  private start(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.ready ??= new Promise<void>((resolve, reject) => {
      try {
        const entry = pathToFileURL(sourceFile('commit-thread-worker.ts')).href;
        const tsconfig = path.join(process.cwd(), 'tsconfig.json');
        const code = `import(${JSON.stringify(tsxEsmApi())}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, { parentURL: ${JSON.stringify(entry)}, tsconfig: ${JSON.stringify(tsconfig)} }))`;
        const w = new Worker(code, { eval: true, name: 'custos-gateway-commit' });
        w.unref();
        w.on('message', (m: TCommitReply) => {
          if ('ready' in m) {
            this.isReady = true;
            return resolve();
          }
          const p = this.pending.get(m.id);
          if (!p) return;
          this.pending.delete(m.id);
          if ('error' in m) p.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
          else p.resolve(m);
        });
        const die = (e: Error) => {
          this.failure ??= e;
          this.log(`gateway commit thread stopped (${e.message}); committing on the main thread`);
          reject(e);
          // A group in flight is failed, never answered as stored: the gateways retry it.
          for (const p of this.pending.values()) p.reject(Object.assign(new Error(`commit thread stopped: ${e.message}`), { code: 'ECONNRESET' }));
          this.pending.clear();
        };
        w.on('error', die);
        w.on('exit', (code) => die(new Error(`exited with code ${code}`)));
        this.worker = w;
      } catch (e) {
        this.failure = e as Error;
        reject(e);
      }
    });
    return this.ready;
  }
}
