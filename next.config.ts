import path from 'node:path';
import type { NextConfig } from 'next';

const projectRoot = path.resolve(import.meta.dirname);

// Only a deployment reached exclusively over TLS may pin browsers to HTTPS. Read at BUILD time:
// Next.js compiles headers() into .next/routes-manifest.json, so setting it only for
// `next start` has no effect (a start-time switch would need proxy.ts).
const behindTls = process.env.CUSTOS_BEHIND_TLS === '1';

const contentSecurityPolicy = [
  "default-src 'self'",
  // 'unsafe-inline' because Next.js injects inline bootstrap/hydration scripts. Removing it
  // needs per-request nonces (set in proxy.ts), which also forces every page to render
  // dynamically; revisit when that trade-off is worth it.
  "script-src 'self' 'unsafe-inline'",
  // next/font and React inject inline <style> / style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

const securityHeaders = [
  { key: 'Content-Security-Policy', value: contentSecurityPolicy },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'no-referrer' },
  {
    key: 'Permissions-Policy',
    value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  },
  ...(behindTls ? [{ key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' }] : []),
];

const nextConfig: NextConfig = {
  poweredByHeader: false,
  typedRoutes: false,
  // Native addons and packages that load files at runtime must stay plain Node requires,
  // not be bundled into the server build.
  serverExternalPackages: ['argon2', 'pg', 'pg-copy-streams', '@electric-sql/pglite', '@electric-sql/pglite-socket', 'pdfkit', 'pino', 'prom-client', 'mqtt'],
  // Pin the root: a lockfile in a parent directory would otherwise be picked as the root.
  turbopack: { root: projectRoot },
  outputFileTracingRoot: projectRoot,
  // A new user's identity evidence (up to 5 files of 5 MiB, lib/users/identity-evidence.ts)
  // arrives through a server action; larger bodies are refused before the action runs.
  experimental: { serverActions: { bodySizeLimit: '26mb' } },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
