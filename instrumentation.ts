/**
 * Next.js start hook: the configuration is validated once, before any request (exit 2 on a bad
 * value), methods the application does not serve are answered 405 on the Node server, the socket
 * address is appended to X-Forwarded-For (lib/http/node-server-guard.ts), the gateway endpoint
 * is answered by the Node server itself (its hot path, lib/ingest/gateway-endpoint.ts), and — the web server
 * being a long-running process — it takes part in signing audit checkpoints
 * (lib/audit/checkpoint-signer.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { checkConfigOrExit } = await import('@/lib/config/env');
    checkConfigOrExit();
    const { installNodeServerGuard } = await import('@/lib/http/node-server-guard');
    installNodeServerGuard();
    if (process.env.NEXT_PHASE !== 'phase-production-build') {
      const [{ registerFastRoute }, { handleGatewayNode }] = await Promise.all([import('@/lib/http/node-server-guard'), import('@/lib/ingest/gateway-endpoint')]);
      registerFastRoute('POST', '/api/ingest/gateway', handleGatewayNode);
      const [{ startJunkAuditFlusher }, { getPgPool }] = await Promise.all([import('@/lib/ingest/junk-audit'), import('@/lib/db/pg-pool')]);
      startJunkAuditFlusher(() => getPgPool());
    }
    if (process.env.NEXT_PHASE !== 'phase-production-build') {
      const { startWebCheckpointSigner } = await import('./lib/audit/start-web-checkpoint-signer');
      startWebCheckpointSigner();
    }
  }
}
