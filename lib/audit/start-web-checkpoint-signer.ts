import { startCheckpointSigner } from '@/lib/audit/checkpoint-signer';
import { getDb } from '@/lib/db/client';
import { logger } from '@/lib/log/logger';

const globalForSigner = globalThis as unknown as { custosCheckpointSigner?: ReturnType<typeof startCheckpointSigner> };

/** The web server's checkpoint signer: one per process, whatever calls it. */
export function startWebCheckpointSigner(): void {
  if (globalForSigner.custosCheckpointSigner || !process.env.DATABASE_URL) return;
  const log = logger('checkpoint');
  globalForSigner.custosCheckpointSigner = startCheckpointSigner(getDb(), { log: (line) => log.info(line) });
}
