import { getHealth } from '@/lib/health/get-health';

// Probes must see the live state, never a build-time or cached answer.
export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const health = await getHealth();
  return Response.json(health, {
    status: health.database === 'down' ? 503 : 200,
    headers: { 'Cache-Control': 'no-store' },
  });
}
