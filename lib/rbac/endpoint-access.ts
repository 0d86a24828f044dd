import { CR_KIND_CONFIG, type TCrKind } from '@/lib/change-requests/kinds';
import type { TPermission } from '@/lib/rbac/permissions';
import type { TSignatureMeaning } from '@/lib/esign/meanings';
import { signPermissionsForMeaning } from '@/lib/records/kinds';

/**
 * Who may call each server action and route handler: the permission table the code is held to
 * (21 CFR 11.10(d)(g)). The checks themselves live on the server, in the action, the route or
 * the service it calls (requireUser / requirePermission); this table states what they must add
 * up to. e2e/authz/authorization-matrix.spec.ts lists every action and route of the build, fails
 * on one missing here, and calls each as every built-in role, a role without permissions and
 * anonymously: any allow the table does not grant is a failure, and so is any refusal it does
 * not expect.
 */
export type TAccess =
  /** No session needed: signing in, the health probe, asking for or ending one's own session. */
  | { who: 'anyone' }
  /** Any signed-in person, acting on their own account, session or request only. */
  | { who: 'signed-in' }
  /** Signed in and holding every one of these permissions. */
  | { who: 'permission'; all: readonly TPermission[] }
  /** Signing a record: the permission of the signature's meaning (lib/records/kinds.ts). */
  | { who: 'sign-meaning' }
  /** A change request of this kind: the permission of the kind (CR_KIND_CONFIG). */
  | { who: 'change-kind'; kind: TCrKind | 'from-form' }
  /** A device's signature over its payload; a person's session grants nothing. */
  | { who: 'device' }
  /** A bearer token from the configuration (metrics scrapers); a person's session grants nothing. */
  | { who: 'token' };

const needs = (...all: TPermission[]): TAccess => ({ who: 'permission', all });

/** Server actions, by file and exported name. */
export const ACTION_ACCESS: Record<string, TAccess> = {
  'app/account/mfa/actions.ts#startMfaAction': { who: 'signed-in' },
  'app/account/mfa/actions.ts#confirmMfaAction': { who: 'signed-in' },
  'app/account/password/actions.ts#changePasswordAction': { who: 'signed-in' },
  'app/admin/backups/actions.ts#requestRestoreAction': { who: 'change-kind', kind: 'backup.restore' },
  'app/admin/devices/actions.ts#requestDeviceRegistrationAction': { who: 'change-kind', kind: 'device.register' },
  'app/admin/devices/actions.ts#requestKeyRotationAction': { who: 'change-kind', kind: 'device.rotate_key' },
  'app/admin/devices/actions.ts#requestCertificateAction': { who: 'change-kind', kind: 'device.set_certificate' },
  'app/admin/broker/actions.ts#requestBrokerChangeAction': { who: 'change-kind', kind: 'broker.apply' },
  'app/account/training/actions.ts#completeTrainingAction': { who: 'signed-in' },
  'app/admin/site/actions.ts#goLiveAction': needs('site.commission'),
  'app/admin/security-alerts/actions.ts#requestUnlockAction': { who: 'change-kind', kind: 'user.unlock' },
  'app/admin/security-alerts/actions.ts#acknowledgeAlertAction': needs('security_alerts.acknowledge'),
  'app/audit/reviews/actions.ts#openReviewAction': needs('audit.review'),
  'app/audit/reviews/actions.ts#markSeenAction': needs('audit.review'),
  'app/audit/reviews/actions.ts#closeReviewAction': needs('audit.review'),
  'app/change-requests/actions.ts#requestChangeAction': { who: 'change-kind', kind: 'from-form' },
  'app/change-requests/actions.ts#decideAction': needs('change_requests.approve'),
  // Only the requester may cancel a request or see its one-time password (checked by the service).
  'app/change-requests/actions.ts#cancelAction': { who: 'signed-in' },
  'app/change-requests/actions.ts#revealSecretAction': { who: 'signed-in' },
  'app/quarantine/actions.ts#decideQuarantineAction': needs('quarantine.manage'),
  'app/records/actions.ts#createRecordAction': needs('records.create'),
  'app/records/actions.ts#editRecordAction': needs('records.edit'),
  'app/records/actions.ts#signRecordAction': { who: 'sign-meaning' },
  'app/records/actions.ts#retireRecordAction': needs('records.retire'),
};

/** Route handlers, by method and path as the app directory names it. */
export const ROUTE_ACCESS: Record<string, TAccess> = {
  'GET /api/audit/export': needs('audit.read', 'audit.export'),
  'POST /api/audit/verify': needs('audit.verify'),
  'GET /api/auth/[...nextauth]': { who: 'anyone' },
  'POST /api/backups': needs('backups.manage'),
  'POST /api/auth/[...nextauth]': { who: 'anyone' },
  'POST /api/change-requests/[id]/decision': needs('change_requests.approve'),
  'GET /api/health': { who: 'anyone' },
  'GET /api/identity-evidence/[id]': needs('users.read'),
  'POST /api/ingest/gateway': { who: 'device' },
  'GET /api/metrics': { who: 'token' },
  'GET /api/records/[id]/pdf': needs('records.read'),
  'GET /api/records/[id]/attachments/[attachmentId]': needs('records.read'),
  'GET /api/session': { who: 'anyone' },
  'POST /api/session/activity': { who: 'signed-in' },
  'POST /api/session/end': { who: 'anyone' },
  'POST /api/session/unlock': { who: 'signed-in' },
  'GET /api/telemetry/[id]/proof': needs('telemetry.read'),
  // Integration API: a person's session or a service account's token (its scopes are its
  // permissions, never a signing meaning); each checks what the UI checks.
  'GET /api/v1/health': { who: 'anyone' },
  'GET /api/v1/openapi.json': { who: 'anyone' },
  'GET /api/v1/records': needs('records.read'),
  'POST /api/v1/records': needs('records.create'),
  'GET /api/v1/records/[id]': needs('records.read'),
  'POST /api/v1/records/[id]/versions': needs('records.edit'),
  'GET /api/v1/audit-events': needs('audit.read'),
  'POST /api/v1/audit-events/verify': needs('audit.verify'),
  'GET /api/v1/audit-events/export': needs('audit.read', 'audit.export'),
  'GET /api/v1/devices': needs('devices.read'),
  'GET /api/v1/telemetry': needs('telemetry.read'),
  'GET /api/v1/telemetry/[id]/proof': needs('telemetry.read'),
  'GET /api/v1/quarantine': needs('quarantine.read'),
  'GET /api/v1/quarantine/[id]': needs('quarantine.read'),
  'GET /api/v1/devices/[id]': needs('devices.read'),
};

/**
 * The permissions an access rule requires for a change request of `kind`, or for a signature
 * of `meaning` (any one of them for a meaning: kinds may differ), or none.
 */
export function requiredPermissions(access: TAccess, kind?: TCrKind): readonly TPermission[] {
  if (access.who === 'permission') return access.all;
  if (access.who === 'change-kind') {
    const k = access.kind === 'from-form' ? kind : access.kind;
    if (!k) throw new Error('a change request rule needs the kind');
    return [CR_KIND_CONFIG[k].permission];
  }
  return [];
}

/**
 * Pages, by path as the app directory names it. A page refuses by sending an anonymous visitor
 * to sign in and by naming the missing permission to a signed-in one (app/admin/not-permitted);
 * the services behind it refuse the data as well.
 */
export const PAGE_ACCESS: Record<string, TAccess> = {
  // The system status, as /api/health shows it.
  '/': { who: 'anyone' },
  '/login': { who: 'anyone' },
  '/unlock': { who: 'signed-in' },
  '/account/mfa': { who: 'signed-in' },
  '/account/password': { who: 'signed-in' },
  '/account/training': { who: 'signed-in' },
  '/admin/broker': needs('broker.read'),
  '/admin/backups': needs('backups.read'),
  '/admin/devices': needs('devices.read'),
  '/admin/devices/[id]': needs('devices.read'),
  '/admin/roles': needs('roles.read'),
  '/admin/security-alerts': needs('security_alerts.read'),
  '/admin/service-accounts': needs('service_accounts.read'),
  '/admin/service-accounts/api': needs('service_accounts.read'),
  '/admin/site': needs('users.read'),
  '/admin/users': needs('users.read'),
  '/admin/users/[id]': needs('users.read'),
  '/audit': needs('audit.read'),
  '/audit/reviews': needs('audit.read'),
  '/audit/reviews/[id]': needs('audit.read'),
  // Everyone sees their own requests; change_requests.read shows all (checked by the service).
  '/change-requests': { who: 'signed-in' },
  '/change-requests/[id]': { who: 'signed-in' },
  '/quarantine': needs('quarantine.read'),
  '/quarantine/[id]': needs('quarantine.read'),
  '/records': needs('records.read'),
  '/records/new': needs('records.create'),
  '/records/[id]': needs('records.read'),
  '/records/[id]/edit': needs('records.edit'),
  '/telemetry': needs('telemetry.read'),
  '/training': needs('training.read'),
  '/telemetry/proof/[id]': needs('telemetry.read'),
};

/** Signing `meaning` is allowed holding any one of these. */
export function signingPermissions(meaning: TSignatureMeaning): readonly TPermission[] {
  return signPermissionsForMeaning(meaning);
}
