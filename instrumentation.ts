/**
 * Next.js start hook: the configuration is validated once, before any request (exit 2 on a bad
 * value), methods the application does not serve are answered 405 on the Node server, and the socket
 * address is appended to X-Forwarded-For (lib/http/node-server-guard.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { checkConfigOrExit } = await import('@/lib/config/env');
    checkConfigOrExit();
    const { installNodeServerGuard } = await import('@/lib/http/node-server-guard');
    installNodeServerGuard();
  }
}
