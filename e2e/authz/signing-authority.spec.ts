import { createRecord } from '@/lib/records/create-record';
import { signRecord } from '@/lib/esign/sign-record';
import { sessionUser } from '@/tests/helpers/users';
import { expect, test } from '../fixtures';
import { callAction } from './server-actions';

// 21 CFR 11.10(g): who may sign which meaning is decided per meaning (lib/records/kinds.ts). The
// page disables what a person may not sign and says why; the server refuses it anyway.

const batch = { title: 'Authority check batch', product: 'Product X', batchNumber: 'B-11', quantity: '5', unit: 'kg', manufacturedOn: '2026-11-30', notes: '' };

test('[11.10(g)] an Operator sees "Sign approval" disabled with the permission it needs, and a direct server-action call is refused and audited', async ({
  page,
  baseURL,
  e2eDb,
  makeUser,
  signIn,
  auditRows,
}) => {
  // A reviewed record, made through the services by an author and a reviewer.
  const author = await makeUser({ roles: ['Operator', 'QA Reviewer'] });
  const reviewer = await makeUser({ roles: ['QA Reviewer'] });
  const a = await sessionUser(e2eDb.prisma, author);
  const r = await sessionUser(e2eDb.prisma, reviewer);
  const rec = await createRecord(e2eDb.prisma, a, { kind: 'batch_record', content: batch });
  await signRecord(e2eDb.prisma, a, { recordId: rec.id, version: 1, transition: 'submit', meaning: 'AUTHORSHIP', employeeId: author.employeeId, password: author.password });

  // The author may review in general (QA Reviewer) but not their own version: the page says so.
  await signIn(page, author);
  await page.goto(`/records/${rec.id}`);
  const review = page.getByRole('button', { name: 'Sign review' });
  await expect(review).toHaveAttribute('aria-disabled', 'true');
  await expect(review).toHaveAttribute('title', 'The author of this version cannot sign it as REVIEW');
  await page.context().clearCookies();

  await signRecord(e2eDb.prisma, r, { recordId: rec.id, version: 1, transition: 'review', meaning: 'REVIEW', employeeId: reviewer.employeeId, password: reviewer.password });

  const operator = await makeUser({ roles: ['Operator'] });
  await signIn(page, operator);
  await page.goto(`/records/${rec.id}`);
  await expect(page.getByRole('main')).toContainText('Reviewed');
  const approve = page.getByRole('button', { name: 'Sign approval' });
  await expect(approve).toHaveAttribute('aria-disabled', 'true');
  await expect(approve).toHaveAttribute('title', 'Requires the permission records.sign_approval');
  await approve.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // Bypassing the page: the action itself refuses, before the password, and the attempt is evidence.
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const out = await callAction(
    baseURL!,
    'app/records/actions.ts#signRecordAction',
    { recordId: rec.id, version: '1', transition: 'approve', meaning: 'APPROVAL', employeeId: operator.employeeId, password: operator.password },
    cookie,
  );
  expect(out?.error).toBe('You do not have the permission records.sign_approval');
  const { rows } = await e2eDb.pool.query<{ status: string }>('SELECT status FROM records WHERE id = $1', [rec.id]);
  expect(rows[0].status).toBe('reviewed');
  const refused = (await auditRows('esign.refused', rec.id)).filter((e) => e.actor_id === operator.employeeId);
  expect(refused.map((e) => e.reason)).toEqual(['You do not have the permission records.sign_approval']);
  const [{ failed_attempts: failed }] = (await e2eDb.pool.query<{ failed_attempts: number }>('SELECT failed_attempts FROM users WHERE id = $1', [operator.id])).rows;
  expect(failed).toBe(0);
});
