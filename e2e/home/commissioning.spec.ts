import { randomBytes } from 'node:crypto';
import type { Browser, Page } from '@playwright/test';
import { generateSync } from 'otplib';
import pg from 'pg';
import { SYSTEM_BOOTSTRAP } from '@/lib/audit/events';
import { hashPassword } from '@/lib/auth/password-hash';
import { newMfaSecret, sealMfaSecret } from '@/lib/auth/mfa';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { createUser } from '@/lib/users/create-user';
import { E2E_PASSWORD, expect, test } from '../fixtures';

// Starting a site (21 CFR 11.10(g), Annex 11 §10): on a site of its own, the lone first
// administrator provisions people by signature while commissioning, goes live once every kind
// of change can be approved, and the next user is a change request another administrator approves.

async function freshSite() {
  const owner = new URL(process.env.E2E_DATABASE_URL!);
  const name = `custos_e2e_site_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: Object.assign(new URL(owner), { pathname: '/postgres' }).toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const ownerUrl = Object.assign(new URL(owner), { pathname: `/${name}` }).toString();
  const appUrl = Object.assign(new URL(ownerUrl), { username: 'custos_app', password: '' }).toString();
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  await migrate(c);
  await c.end();
  return {
    ownerUrl,
    appUrl,
    db: createDb(appUrl),
    drop: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** An administrator who can sign in here: password known, second factor enrolled (as the enrolment page would). */
async function ready(pool: pg.Client, employeeId: string) {
  const secret = newMfaSecret();
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM users WHERE employee_id = $1', [employeeId]);
  await pool.query('UPDATE users SET password_hash = $2, must_change_password = false, mfa_secret_enc = $3, mfa_enabled_at = now() WHERE id = $1', [
    rows[0].id,
    await hashPassword(E2E_PASSWORD),
    sealMfaSecret(rows[0].id, secret),
  ]);
  return () => generateSync({ secret });
}

async function signInAt(browser: Browser, baseURL: string, employeeId: string, otp: () => string): Promise<Page> {
  const page = await (await browser.newContext({ baseURL })).newPage();
  await page.goto('/login');
  await page.getByLabel('Employee ID').fill(employeeId);
  await page.getByLabel('Password').fill(E2E_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByLabel('Authentication code').fill(otp());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('session-user')).toBeVisible();
  return page;
}

test('[11.10(g)] [11.100(b)] [Annex 11 §10] a lone first administrator provisions by signature, goes live, and the next user is a change request another admin approves', async ({
  browser,
  startServer,
}) => {
  test.setTimeout(180_000);
  const site = await freshSite();
  const sql = new pg.Client({ connectionString: site.ownerUrl });
  sql.on('error', () => undefined);
  await sql.connect();
  try {
    await createUser(site.db, { employeeId: 'admin', displayName: 'First Administrator', roleNames: ['Administrator'], password: E2E_PASSWORD, mustChangePassword: false }, SYSTEM_BOOTSTRAP);
    const firstOtp = await ready(sql, 'admin');
    const server = await startServer({ DATABASE_URL: site.ownerUrl, APP_DATABASE_URL: site.appUrl });
    const page = await signInAt(browser, server.baseURL, 'admin', firstOtp);

    await expect(page.getByTestId('site-commissioning-banner')).toBeVisible();
    await page.goto('/admin/site');
    await expect(page.getByTestId('site-state')).toContainText('Commissioning');
    const blocked = page.getByRole('button', { name: 'Go live' });
    await expect(blocked).toHaveAttribute('aria-disabled', 'true');

    const provision = async (employeeId: string, name: string, role: string) => {
      await page.goto('/admin/users');
      await page.getByRole('button', { name: 'Provision new user' }).click();
      const dialog = page.getByRole('dialog');
      await expect(dialog.getByTestId('cr-approvals-note')).toContainText('applied now, confirmed by your electronic signature');
      await dialog.getByRole('textbox', { name: /^Employee ID/ }).fill(employeeId);
      await dialog.getByRole('textbox', { name: /^Full name/ }).fill(name);
      await dialog.getByLabel(role, { exact: true }).check();
      await dialog.getByLabel('How identity was verified').selectOption('hr_record');
      await dialog.getByLabel('Verification reference').fill(`HR-${employeeId}`);
      await dialog.getByLabel("Verifier's name").fill('Hana Resources');
      await dialog.getByLabel('Reason for this change').fill('Commissioning the site');
      await dialog.getByLabel('Your password').fill(E2E_PASSWORD);
      await dialog.getByRole('button', { name: 'Sign and apply' }).click();
      await expect(page).toHaveURL(/\/change-requests\/[0-9a-f-]{36}$/);
      await expect(page.getByRole('heading', { level: 1 })).toContainText('Applied');
    };
    await provision('REV-1', 'Rita Reviewer', 'QA Reviewer');
    await provision('APP-1', 'Arno Approver', 'QA Approver');
    await page.goto('/admin/site');
    await expect(page.getByRole('button', { name: 'Go live' })).toHaveAttribute('aria-disabled', 'true');
    await expect(page.getByRole('main')).toContainText('Not ready to go live');
    await provision('ADM-2', 'Bea Admin', 'Administrator');
    await provision('ADM-3', 'Cy Admin', 'Administrator');

    await page.goto('/admin/site');
    await page.getByRole('button', { name: 'Go live' }).click();
    const goLive = page.getByRole('dialog');
    await goLive.getByLabel('Reason for going live').fill('Reviewer, approver and three administrators are in place');
    await goLive.getByLabel('Employee ID').fill('admin');
    await goLive.getByLabel('Password').fill(E2E_PASSWORD);
    await goLive.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect(page.getByTestId('site-state')).toContainText('Live since');
    await page.screenshot({ path: test.info().outputPath('site-live.png'), fullPage: true });
    await page.goto('/');
    await expect(page.getByTestId('home-site-state')).toContainText('Live');
    await expect(page.getByTestId('site-commissioning-banner')).toHaveCount(0);

    // Live: the next user is a change request; an Operator needs one other person's approval.
    await page.goto('/admin/users');
    await page.getByRole('button', { name: 'Request new user' }).click();
    const request = page.getByRole('dialog');
    await request.getByRole('textbox', { name: /^Employee ID/ }).fill('OP-1');
    await request.getByRole('textbox', { name: /^Full name/ }).fill('Otto Operator');
    await request.getByLabel('Operator', { exact: true }).check();
    await expect(request.getByTestId('cr-approvals-note')).toContainText('1 other person must approve');
    await request.getByLabel('Administrator', { exact: true }).check();
    await expect(request.getByTestId('cr-approvals-note')).toContainText('2 other people must approve');
    await request.getByLabel('Administrator', { exact: true }).uncheck();
    await request.getByLabel('How identity was verified').selectOption('id_document');
    await request.getByLabel('Verification reference').fill('Passport C01X00T47');
    await request.getByLabel("Verifier's name").fill('Hana Resources');
    await request.getByLabel('Evidence (optional)').setInputFiles({ name: 'passport.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% identity evidence\n%%EOF\n') });
    await request.getByLabel('Reason for this change').fill('New operator for line 2');
    await request.getByRole('button', { name: 'Submit request' }).click();
    await expect(page).toHaveURL(/\/change-requests\/[0-9a-f-]{36}$/);
    await expect(page.getByTestId('cr-approvals')).toHaveText('0 of 1');
    const crUrl = page.url();

    const secondOtp = await ready(sql, 'ADM-2');
    const second = await signInAt(browser, server.baseURL, 'ADM-2', secondOtp);
    await second.goto('/change-requests');
    await expect(second.getByTestId('nav-waiting')).toContainText('1 waiting');
    await second.goto(crUrl);
    // 11.100(b): the approver sees how the identity was verified, and the evidence by hash.
    await expect(second.getByRole('main')).toContainText('Identity document seen: Passport C01X00T47');
    await expect(second.getByTestId('cr-evidence')).toContainText('passport.pdf');
    await second.getByRole('button', { name: 'Approve', exact: true }).click();
    const approve = second.getByRole('dialog');
    await approve.getByLabel('Employee ID').fill('ADM-2');
    await approve.getByLabel('Password').fill(E2E_PASSWORD);
    await approve.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect(second.getByRole('heading', { level: 1 })).toContainText('Applied');
    const { rows } = await sql.query<{ method: string }>(`SELECT identity_verification->>'method' AS method FROM users WHERE employee_id = 'OP-1'`);
    expect(rows).toEqual([{ method: 'id_document' }]);
  } finally {
    await sql.end().catch(() => undefined);
    await site.db.$disconnect();
    await site.drop();
  }
});
