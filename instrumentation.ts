// Next.js calls register() once when a server instance starts. The web server is a
// long-running process, so it takes part in signing audit checkpoints (lib/audit/checkpoint-signer.ts).
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs' && process.env.NEXT_PHASE !== 'phase-production-build') {
    const { startWebCheckpointSigner } = await import('./lib/audit/start-web-checkpoint-signer');
    startWebCheckpointSigner();
  }
}
