import { createPublicKey, type KeyObject } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { TAuditActor } from '@/lib/audit/events';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { apiTokenRefusals } from '@/lib/metrics/api-metrics';
import type { TPermission } from '@/lib/rbac/permissions';
import { isServiceScope } from '@/lib/service-accounts/scopes';

// `Authorization: Bearer <JWT>` of a service account (seed 004): ES256 only, the header's kid
// selects one of the account's keys, and nothing in the token is trusted before its signature
// verifies. Required: iss (the account id), sub (the same), aud (this site), exp, iat, scope,
// jti. exp − iat may not exceed the account's max lifetime; ±60 s clock skew; a jti is accepted
// once (service_token_jti, kept until the token expires). Every refusal is a 401 with an
// RFC 6750 WWW-Authenticate error and is counted (custos_api_token_refusals_total); nothing else
// is written for a refused token.

export const CLOCK_SKEW_S = 60;

/** The audience tokens must name: CUSTOS_API_AUDIENCE, else the public URL. */
export function apiAudience(): string {
  return process.env.CUSTOS_API_AUDIENCE || process.env.NEXTAUTH_URL || `http://${process.env.HOST ?? 'localhost'}:${process.env.PORT ?? '3000'}`;
}

export type TRefusalReason =
  | 'missing'
  | 'malformed'
  | 'alg'
  | 'kid'
  | 'issuer'
  | 'disabled'
  | 'signature'
  | 'expired'
  | 'not_yet_valid'
  | 'claim'
  | 'audience'
  | 'lifetime'
  | 'scope'
  | 'network'
  | 'replay'
  | 'insufficient_scope';

/** A refused token: 401 invalid_request / invalid_token, or 403 insufficient_scope (RFC 6750 §3.1). */
export class TokenRefusal extends Error {
  constructor(
    readonly reason: TRefusalReason,
    readonly description: string,
    readonly error: 'invalid_request' | 'invalid_token' | 'insufficient_scope' = 'invalid_token',
    readonly scope?: string,
  ) {
    super(description);
    this.name = 'TokenRefusal';
  }

  get status(): 401 | 403 {
    return this.error === 'insufficient_scope' ? 403 : 401;
  }

  get wwwAuthenticate(): string {
    // A header is ASCII (RFC 9110 field values); quotes and backslashes would end the string.
    const q = (s: string) => s.replace(/["\\]/g, "'").replace(/[^\x20-\x7e]/g, '?');
    return `Bearer realm="custos-api", error="${this.error}", error_description="${q(this.description)}"${this.scope ? `, scope="${q(this.scope)}"` : ''}`;
  }
}

export function isTokenRefusal(e: unknown): e is TokenRefusal {
  return e instanceof TokenRefusal;
}

export interface TServiceIdentity {
  accountId: string;
  kid: string;
  jti: string;
  sub: string;
  scopes: TPermission[];
  expiresAt: Date;
  /** The one gateway (devices.id) this account sends telemetry for (scope telemetry.ingest); null otherwise. */
  gatewayId: string | null;
}

/** A service account as the services see a caller: its permissions are the token's scopes. */
export type TServicePrincipal = TCurrentUser & { actor: TAuditActor; service: TServiceIdentity };

export function isServicePrincipal(u: TCurrentUser): u is TServicePrincipal {
  return 'service' in u && Boolean((u as TServicePrincipal).service);
}

function refuse(reason: TRefusalReason, description: string, error?: 'invalid_request' | 'invalid_token'): never {
  throw new TokenRefusal(reason, description, error);
}

/** Counts a refusal (every path that answers 401/403 for a token calls this once). */
export function countRefusal(r: TokenRefusal): void {
  apiTokenRefusals().inc({ reason: r.reason });
}

function mapJoseError(e: unknown): never {
  if (e instanceof errors.JWTExpired) refuse('expired', 'The token has expired (exp)');
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'nbf') refuse('not_yet_valid', 'The token is not valid yet (nbf)');
    if (e.claim === 'aud') refuse('audience', `The token is not for this site (aud must be ${apiAudience()})`);
    if (e.claim === 'iss') refuse('issuer', 'The token issuer (iss) is not the service account');
    if (e.reason === 'missing') refuse('claim', `The token has no ${e.claim} claim`);
    if (e.claim === 'iat') refuse('claim', 'The token was issued in the future (iat)');
    refuse('claim', `The ${e.claim} claim is invalid`);
  }
  if (e instanceof errors.JOSEAlgNotAllowed) refuse('alg', 'Only ES256 tokens are accepted');
  if (e instanceof errors.JWSSignatureVerificationFailed) refuse('signature', 'The token signature does not verify with the key named by kid');
  if (e instanceof errors.JOSEError) refuse('malformed', 'The token is malformed');
  throw e;
}

function sourceAllowed(networks: readonly string[], ip: string | null): boolean {
  if (networks.length === 0) return true;
  if (!ip || !isIP(ip)) return false;
  const list = new BlockList();
  for (const n of networks) {
    const [addr, bits] = n.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

const keyCache = new Map<string, KeyObject>();
function keyOf(pem: string): KeyObject {
  let k = keyCache.get(pem);
  if (!k) {
    k = createPublicKey(pem);
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(pem, k);
  }
  return k;
}

/**
 * Verifies the bearer token and consumes its jti. Throws TokenRefusal (counted) for anything
 * short of a valid token of an active account; writes only the jti and the key's last use.
 */
export async function verifyServiceToken(db: TDb, authorization: string | null, opts: { sourceIp?: string | null; now?: Date } = {}): Promise<TServicePrincipal> {
  try {
    return await verify(db, authorization, opts);
  } catch (e) {
    if (isTokenRefusal(e)) countRefusal(e);
    throw e;
  }
}

async function verify(db: TDb, authorization: string | null, opts: { sourceIp?: string | null; now?: Date }): Promise<TServicePrincipal> {
  const now = opts.now ?? new Date();
  const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(authorization ?? '');
  if (!authorization) refuse('missing', 'A bearer token is required', 'invalid_request');
  if (!m || authorization.length > 8192) refuse('malformed', 'Authorization must be "Bearer <JWT>" (compact JWS)', 'invalid_request');
  const token = m[1];

  // Before any claim is trusted: the algorithm is pinned and the key is named.
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    unverified = decodeJwt(token);
  } catch {
    refuse('malformed', 'The token is malformed');
  }
  if (header.alg !== 'ES256') refuse('alg', `Only ES256 tokens are accepted (alg ${String(header.alg)} refused)`);
  if (header.crit !== undefined) refuse('malformed', 'Critical header parameters are not supported');
  if (typeof header.kid !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(header.kid)) refuse('kid', 'The token header names no key (kid)');
  if (typeof unverified.iss !== 'string' || !/^[a-z0-9][a-z0-9-]{2,62}$/.test(unverified.iss)) refuse('issuer', 'The token names no service account (iss)');

  // iss and kid only select the key; the signature decides whether they are true.
  const account = await db.serviceAccount.findUnique({
    where: { id: unverified.iss },
    select: { id: true, name: true, ownerId: true, status: true, scopes: true, maxTokenLifetimeS: true, allowedNetworks: true, gatewayId: true, keys: { where: { kid: header.kid }, select: { kid: true, publicKeyPem: true, retiredAt: true } } },
  });
  if (!account) refuse('issuer', 'Unknown service account (iss)');
  const key = account.keys[0];
  if (!key || key.retiredAt) refuse('kid', `Unknown or retired key (kid ${header.kid})`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, keyOf(key.publicKeyPem), {
      algorithms: ['ES256'],
      issuer: account.id,
      audience: apiAudience(),
      clockTolerance: CLOCK_SKEW_S,
      requiredClaims: ['exp', 'iat', 'sub', 'scope', 'jti'],
      currentDate: now,
    }));
  } catch (e) {
    mapJoseError(e);
  }
  if (account.status !== 'active') refuse('disabled', 'The service account is disabled');
  if (payload.sub !== account.id) refuse('claim', 'sub must be the service account id');
  const jti = payload.jti;
  if (typeof jti !== 'string' || !/^[\x21-\x7e]{8,128}$/.test(jti)) refuse('claim', 'jti must be 8–128 printable characters');
  const exp = payload.exp!;
  const iat = payload.iat!;
  if (iat > now.getTime() / 1000 + CLOCK_SKEW_S) refuse('claim', 'The token was issued in the future (iat)');
  if (exp - iat > account.maxTokenLifetimeS) refuse('lifetime', `exp - iat exceeds this account's max lifetime (${account.maxTokenLifetimeS} s)`);
  if (typeof payload.scope !== 'string' || !payload.scope.trim()) refuse('scope', 'The scope claim is empty');
  const asked = [...new Set(payload.scope.trim().split(/ +/))];
  const beyond = asked.filter((s) => !account.scopes.includes(s) || !isServiceScope(s));
  if (beyond.length) refuse('scope', `The token asks for scopes this account does not hold: ${beyond.join(' ')}`);
  if (!sourceAllowed(account.allowedNetworks, opts.sourceIp ?? null)) refuse('network', 'Tokens of this account are not accepted from this address');

  // Once: a replayed token finds its jti (kept until exp + skew, then pruned).
  const expiresAt = new Date((exp + CLOCK_SKEW_S) * 1000);
  const inserted = await db.$executeRaw`INSERT INTO service_token_jti (account_id, jti, expires_at) VALUES (${account.id}, ${jti}, ${expiresAt}) ON CONFLICT DO NOTHING`;
  if (inserted === 0) refuse('replay', 'This token was used already (jti)');
  await db.$executeRaw`UPDATE service_account_keys SET last_used_at = ${now} WHERE account_id = ${account.id} AND kid = ${key.kid}`;
  if (Math.random() < 0.05) await db.$executeRaw`DELETE FROM service_token_jti WHERE expires_at < ${now}`;

  const scopes = asked as TPermission[];
  const owner = await db.user.findUnique({ where: { id: account.ownerId }, select: { employeeId: true } });
  const principalId = `service:${account.id}`;
  return {
    id: principalId,
    employeeId: principalId,
    displayName: `${account.name} (service)`,
    email: null,
    roles: [],
    permissions: new Set(scopes),
    sessionId: `jti:${jti}`,
    idleDeadline: new Date(exp * 1000),
    idleTimeoutS: 0,
    passwordExpiresAt: null,
    mfaEnabled: false,
    signedAt: null,
    actor: { type: 'system', id: principalId, name: account.name, role: `service account; owner ${owner?.employeeId ?? account.ownerId}`, sessionId: `kid:${key.kid} jti:${jti}` },
    service: { accountId: account.id, kid: key.kid, jti, sub: String(payload.sub), scopes, expiresAt: new Date(exp * 1000), gatewayId: account.gatewayId },
  };
}
