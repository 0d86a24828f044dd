import { parentPort } from 'node:worker_threads';
import { getDb } from '@/lib/db/client';
import { Ingestor } from '@/lib/ingest/ingestor';
import { reviveVerdict, type TCommitReply, type TCommitRequest } from '@/lib/ingest/commit-thread';

// The commit thread (lib/ingest/commit-thread.ts): stores the gateway endpoint's groups with a
// connection pool and device store of its own, on an event loop that does nothing else.

const ingestor = new Ingestor(getDb());
const port = parentPort!;

port.on('message', (m: TCommitRequest) => {
  void (async () => {
    try {
      // The main thread verified with keys loaded at m.keysLoadedAt: never store with older ones.
      if (ingestor.keys.loadedAtMs < m.keysLoadedAt) await ingestor.keys.load();
      else await ingestor.keys.refreshIfNeeded(false);
      const started = performance.now();
      const result = await ingestor.storeVerdicts(m.verdicts.map(reviveVerdict), { observe: false });
      port.postMessage({ id: m.id, result, commitSeconds: (performance.now() - started) / 1000 } satisfies TCommitReply);
    } catch (e) {
      const err = e as { message?: string; code?: string };
      port.postMessage({ id: m.id, error: { message: err.message ?? String(e), code: err.code } } satisfies TCommitReply);
    }
  })();
});
port.postMessage({ id: 0, ready: true } satisfies TCommitReply);
