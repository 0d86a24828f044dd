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

const gw = globalThis as unknown as { custosGatewayRefusals?: client.Counter<'reason'> };

/** Gateway posts refused before anything was stored: failed transport authentication, limits, a body sent with another gateway's credentials. */
export function gatewayRefusals(): client.Counter<'reason'> {
  gw.custosGatewayRefusals ??= new client.Counter({
    name: 'custos_gateway_refusals_total',
    help: 'HTTP gateway posts refused at the ingress, by reason (auth, rate, quarantine_bytes, gateway_mismatch)',
    labelNames: ['reason'],
    registers: [getMetrics().registry],
  });
  return gw.custosGatewayRefusals;
}
