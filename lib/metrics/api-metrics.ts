import client from 'prom-client';
import { getMetrics } from '@/lib/metrics/registry';

// Refusals of the integration API's bearer tokens, by a bounded reason (lib/api/verify-service-token.ts).
const g = globalThis as unknown as { custosApiRefusals?: client.Counter<'reason'> };

export function apiTokenRefusals(): client.Counter<'reason'> {
  g.custosApiRefusals ??= new client.Counter({
    name: 'custos_api_token_refusals_total',
    help: 'Integration API requests refused for their bearer token, by reason',
    labelNames: ['reason'],
    registers: [getMetrics().registry],
  });
  return g.custosApiRefusals;
}
