import { X509Certificate } from 'node:crypto';
import { isTokenRefusal, verifyServiceToken } from '@/lib/api/verify-service-token';
import type { TConfig } from '@/lib/config/env';
import { getDb } from '@/lib/db/client';
import { currentTrustedProxies, normalizeAddress } from '@/lib/http/client-address';
import type { DeviceKeyStore } from '@/lib/ingest/key-store';

// Who is posting to /api/ingest/gateway, when the reading's signature alone is not enough
// (CUSTOS_GATEWAY_AUTH):
//   token        `Authorization: Bearer <JWT>` of a service account holding telemetry.ingest,
//                bound to one gateway (lib/api/verify-service-token.ts: ES256 only, aud, iss,
//                exp, sub, scope, jti once);
//   mtls-header  the TLS terminator (nginx, see the README) verified the client certificate and
//                passes it, URL-escaped PEM or its SHA-256 fingerprint, in
//                CUSTOS_GATEWAY_CERT_HEADER; the header counts only when the request's nearest
//                hop is a CUSTOS_TRUSTED_PROXIES address, and the certificate must be the one
//                registered for the gateway (devices.cert_fingerprint).
// Either way the reading must still verify with the gateway's signing key, and be that gateway's.

export interface TTransportIdentity {
  gatewayId: string;
  via: 'token' | 'certificate';
  /** service:<id> for a token */
  principal: string | null;
}

export type TTransportResult =
  | { ok: true; identity: TTransportIdentity }
  | { ok: false; status: 401 | 403; reason: string; message: string; headers: Record<string, string> };

const refused = (status: 401 | 403, reason: string, message: string, headers: Record<string, string> = {}): TTransportResult => ({ ok: false, status, reason, message, headers });

/** A fingerprint as registered: 64 lowercase hex digits (colons and case ignored), from hex or an (URL-escaped) PEM certificate. */
export function certificateFingerprint(headerValue: string): string | null {
  const v = headerValue.trim();
  const hex = v.replace(/:/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(hex)) return hex.toLowerCase();
  let pem = v;
  try {
    if (/%2D|%0A/i.test(pem)) pem = decodeURIComponent(pem);
  } catch {
    return null;
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return null;
  try {
    return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
  } catch {
    return null;
  }
}

export async function authenticateTransport(header: (name: string) => string | null, cfg: TConfig, keys: DeviceKeyStore, address: string | null): Promise<TTransportResult> {
  if (cfg.CUSTOS_GATEWAY_AUTH === 'token') {
    const auth = header('authorization');
    if (!auth) return refused(401, 'token_missing', 'A bearer token with scope telemetry.ingest is required', { 'www-authenticate': 'Bearer realm="custos-gateway", error="invalid_request", error_description="A bearer token is required"' });
    try {
      const p = await verifyServiceToken(getDb(), auth, { sourceIp: address });
      if (!p.permissions.has('telemetry.ingest')) {
        return refused(403, 'token_scope', 'The token does not carry scope telemetry.ingest', { 'www-authenticate': 'Bearer realm="custos-gateway", error="insufficient_scope", scope="telemetry.ingest"' });
      }
      const bound = p.service.gatewayId;
      if (!bound) return refused(403, 'token_unbound', `Service account ${p.service.accountId} is not bound to a gateway`);
      return { ok: true, identity: { gatewayId: bound, via: 'token', principal: p.id } };
    } catch (e) {
      if (!isTokenRefusal(e)) throw e;
      return refused(e.status, `token_${e.reason}`, e.description, { 'www-authenticate': e.wwwAuthenticate.replace('realm="custos-api"', 'realm="custos-gateway"') });
    }
  }
  // mtls-header: the nearest hop (the Node server appends the socket's peer) must be the terminator.
  const hops = (header('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean);
  const peer = hops.length ? normalizeAddress(hops[hops.length - 1]) : null;
  if (!peer || !currentTrustedProxies().has(peer)) return refused(401, 'cert_untrusted_hop', 'The client certificate header is accepted only from the TLS terminator (CUSTOS_TRUSTED_PROXIES)');
  const presented = header(cfg.CUSTOS_GATEWAY_CERT_HEADER);
  if (!presented) return refused(401, 'cert_missing', 'No client certificate was presented');
  const fp = certificateFingerprint(presented);
  if (!fp) return refused(401, 'cert_malformed', `${cfg.CUSTOS_GATEWAY_CERT_HEADER} is neither a PEM certificate nor a SHA-256 fingerprint`);
  let gatewayId = keys.gatewayForCertFingerprint(fp);
  if (!gatewayId) {
    await keys.refreshIfNeeded(true);
    gatewayId = keys.gatewayForCertFingerprint(fp);
  }
  if (!gatewayId) return refused(401, 'cert_unknown', `The client certificate (SHA-256 ${fp}) is not registered for any gateway`);
  return { ok: true, identity: { gatewayId, via: 'certificate', principal: null } };
}
