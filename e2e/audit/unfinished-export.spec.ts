import { randomUUID } from 'node:crypto';
import { appendAudit } from '@/lib/audit/append-audit';
import { expect, test } from '../fixtures';

test('[11.10(b)] an export with a start and no completion is shown above the trail', async ({ page, e2eDb, makeUser, signIn }) => {
  const auditor = await makeUser({ roles: ['Auditor'] });
  const exportId = randomUUID();
  // As left by a server that stopped while sending the file.
  await e2eDb.prisma.$transaction((tx) =>
    appendAudit(tx, [
      {
        actor: { type: 'user', id: auditor.employeeId, name: auditor.displayName },
        action: 'audit.export_started',
        entityType: 'AuditChain',
        entityId: 'main',
        newValue: { exportId, format: 'csv', filter: {} },
      },
    ]),
  );
  await signIn(page, auditor);
  await page.goto('/audit');
  const alert = page.getByRole('main').getByRole('status').filter({ hasText: 'without a recorded completion' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText(`csv by ${auditor.employeeId}`);
  await page.screenshot({ path: 'test-results/audit-unfinished-export.png' });
  // Completing it (here: the record a retry appends) removes it.
  await e2eDb.prisma.$transaction((tx) =>
    appendAudit(tx, [
      {
        actor: { type: 'user', id: auditor.employeeId, name: auditor.displayName },
        action: 'audit.export',
        entityType: 'AuditChain',
        entityId: 'main',
        newValue: { exportId, format: 'csv', status: 'cancelled' },
      },
    ]),
  );
  await page.reload();
  await expect(page.getByText('without a recorded completion')).toHaveCount(0);
});
