import type { TAuditFilter } from '@/lib/audit/audit-filter';

export function formatFilter(f: TAuditFilter): string {
  const parts = Object.entries(f)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${String(v)}`);
  return parts.length ? parts.join('; ') : 'all events';
}
