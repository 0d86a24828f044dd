import { retryExportCompletions } from '@/lib/audit/export/export-completion';
import type { TDb } from '@/lib/db/client';

/** The worker appends export completions that could not be appended when the file was sent, every CUSTOS_EXPORT_RETRY_S (default 30). */
export function startExportCompletionRetry(db: TDb, opts: { env?: Record<string, string | undefined>; log?: (line: string) => void } = {}): { stop(): Promise<void> } {
  const everyS = Number(opts.env?.CUSTOS_EXPORT_RETRY_S || 30);
  const log = opts.log ?? (() => undefined);
  let busy: Promise<unknown> | null = null;
  const t = setInterval(() => {
    if (busy) return;
    busy = retryExportCompletions(db)
      .then((n) => n > 0 && log(`audit exports: ${n} completion(s) appended on retry`))
      .catch((e: Error) => log(`audit export completion retry failed: ${e.message}`))
      .finally(() => {
        busy = null;
      });
  }, everyS * 1000);
  t.unref();
  return {
    async stop() {
      clearInterval(t);
      await busy;
    },
  };
}
