import AxeBuilder from '@axe-core/playwright';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { sessionUser } from '@/tests/helpers/users';
import { expect, test } from '../fixtures';

// 21 CFR 11.10(i) through the UI: a reviewer signs "read and understood" on a document their
// role requires, and the training matrix shows them current.

test('[11.10(i)] a reviewer signs "read and understood" on My training; the training matrix shows them current', async ({ page, browser, e2eDb, makeUser, signIn, auditRows }) => {
  test.setTimeout(90_000);
  const author = await makeUser({ roles: ['Operator'] });
  const checker = await makeUser({ roles: ['QA Reviewer'] });
  const approver = await makeUser({ roles: ['QA Approver'] });
  const [a, c, p] = await Promise.all([sessionUser(e2eDb.prisma, author), sessionUser(e2eDb.prisma, checker), sessionUser(e2eDb.prisma, approver)]);
  const doc = await createRecord(e2eDb.prisma, a, { kind: 'document', content: { title: `Line clearance SOP ${Date.now()}`, documentNumber: 'SOP-PR-012', revision: 'B', body: 'Clear the line.' } });
  const sign = (u: typeof a, who: { employeeId: string; password: string }, transition: string, meaning: string) =>
    signRecord(e2eDb.prisma, u, { recordId: doc.id, version: 1, transition, meaning, employeeId: who.employeeId, password: who.password });
  await sign(a, author, 'submit', 'AUTHORSHIP');
  await sign(c, checker, 'review', 'REVIEW');
  await sign(p, approver, 'approve', 'APPROVAL');
  // A curriculum of its own (a fresh role), set up as an approved curriculum change would.
  const role = `E2E trainees ${Date.now().toString(36)}`;
  const { rows } = await e2eDb.pool.query<{ id: string }>('INSERT INTO roles (name, description) VALUES ($1, $2) RETURNING id', [role, 'e2e: a curriculum']);
  await e2eDb.pool.query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, 'records.read')", [rows[0].id]);
  await e2eDb.pool.query('INSERT INTO curriculum_documents (role_id, record_id, added_at) VALUES ($1, $2, now())', [rows[0].id, doc.id]);
  const trainee = await makeUser({ roles: [role] });

  await signIn(page, trainee);
  await page.goto('/account/training');
  const table = page.getByTestId('my-training');
  await expect(table).toContainText(doc.number);
  await expect(table).toContainText('due');
  const serious = async (pg: typeof page) => (await new AxeBuilder({ page: pg }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  expect(await serious(page)).toEqual([]);
  await page.getByRole('button', { name: 'Read and understood' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Employee ID').fill(trainee.employeeId);
  await dialog.getByLabel('Password').fill(trainee.password);
  await dialog.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(table).toContainText('current');
  await page.screenshot({ path: test.info().outputPath('my-training.png'), fullPage: true });
  const done = await auditRows('training.complete', doc.id);
  expect(done.map((r) => r.actor_id)).toEqual([trainee.employeeId]);

  const qa = await (await browser.newContext({ baseURL: test.info().project.use.baseURL })).newPage();
  await signIn(qa, approver);
  await qa.goto('/training');
  await expect(qa.getByRole('main')).toContainText(`${trainee.displayName} (${trainee.employeeId}): current`);
  expect(await serious(qa)).toEqual([]);
  await qa.screenshot({ path: test.info().outputPath('training-matrix.png'), fullPage: true });
  await qa.context().close();
});
