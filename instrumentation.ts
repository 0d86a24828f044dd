/** Next.js start hook: the configuration is validated once, before any request (exit 2 on a bad value). */
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { checkConfigOrExit } = await import('@/lib/config/env');
    checkConfigOrExit();
  }
}
