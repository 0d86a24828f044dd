import { isIP } from 'node:net';
import { z } from 'zod';
import { ZRegisterDevice, parsePublicKey } from '@/lib/devices/register-device';
import { publicKeyFingerprint } from '@/lib/devices/key-request';
import { isAppError } from '@/lib/errors/app-error';
import { SERVICE_SCOPES, isServiceScope } from '@/lib/service-accounts/scopes';

// Change request payloads of the service account kinds (lib/change-requests/kinds.ts). Persisted
// as JSON and hashed: changing a shape needs a migration of open requests. Public keys are
// normalised to SPKI PEM and fingerprinted here, so the approver sees what will be stored.

export const ZServiceAccountId = z.string().regex(/^[a-z0-9][a-z0-9-]{2,62}$/, 'ID: 3–63 lower-case letters, digits or dashes');
export const ZKid = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'Key ID (kid): 1–64 letters, digits, dot, dash or underscore');

export const ZServiceKey = z
  .object({ kid: ZKid, publicKeyPem: z.string().trim().min(1, 'Paste the ES256 (P-256) public key').max(4000) })
  .transform((k, ctx) => {
    try {
      const pem = parsePublicKey(k.publicKeyPem);
      return { kid: k.kid, publicKeyPem: pem, fingerprint: publicKeyFingerprint(pem) };
    } catch (e) {
      if (!isAppError(e)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message, path: ['publicKeyPem'] });
      return z.NEVER;
    }
  });

export const ZScopes = z
  .array(z.string())
  .min(1, 'At least one scope')
  .max(SERVICE_SCOPES.length)
  .superRefine((list, ctx) => {
    for (const p of list) {
      if (!isServiceScope(p)) ctx.addIssue({ code: 'custom', message: `Not a scope a service may hold: ${p} (signing and administrative permissions are a person's)` });
    }
  })
  .transform((l) => [...new Set(l)].sort());

function isCidr(v: string): boolean {
  const [ip, bits, ...rest] = v.split('/');
  const family = isIP(ip ?? '');
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

export const ZNetworks = z
  .array(z.string().trim().refine(isCidr, 'A network is an IP address or CIDR (10.0.0.0/8, fd00::/8)'))
  .max(20)
  .default([])
  .transform((l) => [...new Set(l)].sort());

export const ZMaxLifetime = z.coerce.number().int().min(60, 'At least 60 s').max(86_400, 'At most 24 h');

/** The scope that sends telemetry for one gateway; an account holds it only bound to that gateway. */
export const GATEWAY_SCOPE = 'telemetry.ingest';

/** '' or null: no gateway. */
const ZGatewayId = z.preprocess((v) => (v === '' ? null : v), ZRegisterDevice.shape.id.nullish());

/** The rule the database also holds (service_accounts_gateway_binding), in words. */
export function gatewayBindingError(scopes: readonly string[], gatewayId: string | null | undefined): string | null {
  const ingests = scopes.includes(GATEWAY_SCOPE);
  if (ingests && !gatewayId) return `A service account holding ${GATEWAY_SCOPE} must be bound to the one gateway it sends for (gatewayId)`;
  if (!ingests && gatewayId) return `Only a service account holding ${GATEWAY_SCOPE} is bound to a gateway`;
  return null;
}

export const SERVICE_ACCOUNT_PAYLOADS = {
  'service_account.create': z
    .object({
      id: ZServiceAccountId,
      name: z.string().trim().min(1, 'Name is required').max(200),
      ownerEmployeeId: z.string().trim().min(1, 'The owner (a person) is required').max(64),
      scopes: ZScopes,
      maxTokenLifetimeS: ZMaxLifetime.default(300),
      allowedNetworks: ZNetworks,
      gatewayId: ZGatewayId.transform((v) => v ?? null),
      key: ZServiceKey,
    })
    .superRefine((p, ctx) => {
      const e = gatewayBindingError(p.scopes, p.gatewayId);
      if (e) ctx.addIssue({ code: 'custom', message: e, path: ['gatewayId'] });
    }),
  'service_account.rotate_key': z.object({
    accountId: ZServiceAccountId,
    key: ZServiceKey,
    retireKids: z.array(ZKid).max(20).default([]).transform((l) => [...new Set(l)].sort()),
  }),
  // scopes: the whole list after the change; gatewayId: left out keeps the account's gateway, null
  // unbinds it. The request carries the gateway the account will have (request-change sets it).
  'service_account.update_scopes': z.object({ accountId: ZServiceAccountId, scopes: ZScopes, gatewayId: ZGatewayId }),
  'service_account.disable': z.object({ accountId: ZServiceAccountId }),
} as const;

export type TServiceAccountKind = keyof typeof SERVICE_ACCOUNT_PAYLOADS;
export const SERVICE_ACCOUNT_KINDS = Object.keys(SERVICE_ACCOUNT_PAYLOADS) as TServiceAccountKind[];
export function isServiceAccountKind(k: string): k is TServiceAccountKind {
  return k in SERVICE_ACCOUNT_PAYLOADS;
}
