import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// `npm start` runs the ingest worker as a supervised child process: the worker survives a lost
// database connection by itself (the batch in flight fails and is redelivered), and should it
// still end — a crash, an out-of-memory kill — it is started again after a backoff that grows
// while it keeps failing and resets once it has run for a while. Each exit and restart is logged.

export interface TSupervisorOptions {
  /** The script to run (default scripts/worker.ts next to this file). */
  script?: string;
  env?: NodeJS.ProcessEnv;
  log: (line: string) => void;
  /** First restart delay (default 1 s), doubled on each quick failure up to maxBackoffMs (default 30 s). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A run longer than this resets the backoff (default 60 s). */
  stableAfterMs?: number;
  /** Called with each started child. */
  onStart?: (child: ChildProcess) => void;
  /** The child's output: this process's stdout/stderr (default), or pipes to read from onStart. */
  output?: 'inherit' | 'pipe';
}

export interface TSupervisor {
  /** The current child, if running. */
  child(): ChildProcess | null;
  restarts(): number;
  stop(): Promise<void>;
}

const here = path.dirname(fileURLToPath(import.meta.url));

export function superviseWorker(o: TSupervisorOptions): TSupervisor {
  const script = o.script ?? path.join(here, 'worker.ts');
  const initial = o.initialBackoffMs ?? 1000;
  const max = o.maxBackoffMs ?? 30_000;
  const stableAfter = o.stableAfterMs ?? 60_000;
  let backoff = initial;
  let current: ChildProcess | null = null;
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | null = null;

  const start = () => {
    timer = null;
    if (stopping) return;
    const startedAt = Date.now();
    // One process (node with the tsx loader, no wrapper): a signal reaches the worker itself.
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env: o.env ?? process.env, stdio: ['ignore', o.output ?? 'inherit', o.output ?? 'inherit'] });
    current = child;
    o.onStart?.(child);
    child.once('exit', (code, signal) => {
      current = null;
      if (stopping) return;
      const ran = Date.now() - startedAt;
      if (ran >= stableAfter) backoff = initial;
      const wait = backoff;
      backoff = Math.min(backoff * 2, max);
      restarts += 1;
      o.log(`ingest worker exited (${signal ?? `code ${code}`}) after ${Math.round(ran / 1000)} s; restarting in ${wait} ms (restart ${restarts})`);
      timer = setTimeout(start, wait);
    });
  };
  start();

  return {
    child: () => current,
    restarts: () => restarts,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      const c = current;
      if (c && c.exitCode === null && c.signalCode === null) {
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const force = setTimeout(() => c.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(force);
      }
    },
  };
}
