import { describe, expect, it } from 'vitest';
import { SERVICE_ACCOUNT_PAYLOADS } from '@/lib/service-accounts/payloads';
import { SERVICE_SCOPES, isServiceScope } from '@/lib/service-accounts/scopes';

describe('service account scopes', () => {
  it('[11.200(a)] no signing meaning, nothing administrative, nothing a person signs', () => {
    expect(SERVICE_SCOPES.filter((p) => p.startsWith('records.sign'))).toEqual([]);
    expect(SERVICE_SCOPES).toEqual(['records.read', 'records.create', 'records.edit', 'audit.read', 'audit.export', 'audit.verify', 'devices.read', 'telemetry.read', 'telemetry.ingest', 'quarantine.read', 'broker.read', 'backups.read', 'training.read']);
    for (const p of ['records.sign_authorship', 'records.sign_review', 'records.sign_approval', 'records.sign_rejection', 'records.retire', 'users.read', 'roles.manage', 'change_requests.approve', 'site.commission', 'service_accounts.manage', 'security_alerts.read', 'change_requests.read', 'audit.review', 'training.manage', 'nonsense.read']) {
      expect(isServiceScope(p), p).toBe(false);
    }
  });

  it('[11.10(g)] a request naming a signing scope is refused with the reason', () => {
    const r = SERVICE_ACCOUNT_PAYLOADS['service_account.update_scopes'].safeParse({ accountId: 'ebr-1', scopes: ['records.read', 'records.sign_approval'] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0].message).toMatch(/signing and administrative permissions are a person's/);
  });
});
