/**
 * Next.js start hook: the configuration is validated once, before any request (exit 2 on a bad
 * value), and methods the application does not serve are answered 405 on the Node server.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { checkConfigOrExit } = await import('@/lib/config/env');
    checkConfigOrExit();
    const { refuseUnknownMethods } = await import('@/lib/http/refuse-unknown-methods');
    refuseUnknownMethods();
  }
}
