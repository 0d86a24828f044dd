import { json } from '@/lib/api/handler';
import { toProblem } from '@/lib/api/problem';
import { getHealth } from '@/lib/health/get-health';

export const dynamic = 'force-dynamic';

/** The system status, as /api/health: no credentials needed (load balancers, integrations). */
export async function GET(): Promise<Response> {
  try {
    const health = await getHealth();
    return json(health, { status: health.database === 'down' ? 503 : 200 });
  } catch (e) {
    return toProblem(e);
  }
}
