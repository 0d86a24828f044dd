import { json } from '@/lib/api/handler';
import { openApiDocument } from '@/lib/api/v1/openapi';
import { apiAudience } from '@/lib/api/verify-service-token';

export const dynamic = 'force-dynamic';

/** OpenAPI 3.1 of /api/v1, generated from the schemas the routes use. */
export async function GET(): Promise<Response> {
  return json(openApiDocument(apiAudience()));
}
