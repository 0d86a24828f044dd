import type { Metadata } from 'next';
import localFont from 'next/font/local';
import Link from 'next/link';
import type { ReactNode } from 'react';
import { LockManager } from '@/components/auth/lock-manager';
import { SessionMenu } from '@/components/auth/session-menu';
import { authConfig } from '@/lib/auth/auth-config';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { currentSession } from '@/lib/auth/require-user';
import { countQueues } from '@/lib/change-requests/list-change-requests';
import { siteState } from '@/lib/site/site-state';
import { countOpenAlerts } from '@/lib/alerts/count-open-alerts';
import { getDb } from '@/lib/db/client';
import { can } from '@/lib/rbac/require-permission';
import type { TPermission } from '@/lib/rbac/permissions';
import './globals.css';

// Self-hosted from the installed package: the app makes no request to a font CDN, and the
// Content-Security-Policy (font-src 'self') would refuse one anyway.
const inter = localFont({
  src: '../node_modules/@fontsource-variable/inter/files/inter-latin-wght-normal.woff2',
  weight: '100 900',
  style: 'normal',
  display: 'swap',
  variable: '--font-inter',
});

const ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20" fill="#0f766e"><path d="M10 1.5 3 4.2v5.1c0 4.3 2.9 8 7 9.2 4.1-1.2 7-4.9 7-9.2V4.2L10 1.5Zm0 2.1 5 1.9v3.8c0 3.2-2 6.1-5 7.2-3-1.1-5-4-5-7.2V5.5l5-1.9Z"/><path d="M8.9 12.6 6.4 10.1l1.1-1.1 1.4 1.4 3.6-3.6 1.1 1.1-4.7 4.7Z"/></svg>';

export const metadata: Metadata = {
  title: { default: 'Custos', template: '%s · Custos' },
  description: 'Electronic records, signatures and a verifiable audit trail for regulated manufacturing and cold chain.',
  // Inline, so the browser's favicon request needs no extra route (CSP img-src allows data:).
  icons: { icon: `data:image/svg+xml,${encodeURIComponent(ICON_SVG)}` },
};

// Navigation shows what the person may open; every page checks again on the server.
// `signedIn`: for everyone signed in, whatever their permissions (e.g. their own requests).
const NAV: Array<{ href: string; label: string; permission?: TPermission; signedIn?: boolean }> = [
  { href: '/', label: 'Home' },
  { href: '/records', label: 'Records', permission: 'records.read' },
  { href: '/change-requests', label: 'Change requests', signedIn: true },
  { href: '/admin/users', label: 'Users', permission: 'users.read' },
  { href: '/admin/roles', label: 'Roles', permission: 'roles.read' },
  { href: '/admin/security-alerts', label: 'Security alerts', permission: 'security_alerts.read' },
  { href: '/audit', label: 'Audit trail', permission: 'audit.read' },
  { href: '/audit/reviews', label: 'Reviews', permission: 'audit.review' },
  { href: '/training', label: 'Training', permission: 'training.read' },
  { href: '/telemetry', label: 'Telemetry', permission: 'telemetry.read' },
  { href: '/quarantine', label: 'Quarantine', permission: 'quarantine.read' },
  { href: '/admin/devices', label: 'Devices', permission: 'devices.read' },
  { href: '/admin/broker', label: 'Broker', permission: 'broker.read' },
  { href: '/admin/backups', label: 'Backups', permission: 'backups.read' },
  { href: '/admin/service-accounts', label: 'Service accounts', permission: 'service_accounts.read' },
  { href: '/admin/site', label: 'Site', permission: 'users.read' },
];

// Every page shows who is signed in: nothing is rendered at build time.
export const dynamic = 'force-dynamic';

/** Change requests waiting for this person's approval, for the navigation badge. */
async function waitingCount(user: TCurrentUser | null): Promise<number> {
  if (!user) return 0;
  try {
    return (await countQueues(getDb(), user)).waiting;
  } catch {
    // The header must render even when the database is down.
    return 0;
  }
}

/** Security alerts not yet acknowledged, for the navigation badge: open ones only. */
async function openAlertCount(user: TCurrentUser | null): Promise<number> {
  if (!user || !can(user, 'security_alerts.read')) return 0;
  try {
    return await countOpenAlerts(getDb(), user);
  } catch {
    return 0;
  }
}

async function commissioningNow(user: TCurrentUser | null): Promise<boolean> {
  if (!user) return false;
  try {
    return (await siteState(getDb())).phase === 'commissioning';
  } catch {
    return false;
  }
}

async function sessionForChrome() {
  try {
    return await currentSession();
  } catch {
    // The header must render even when the database is down (the page says why).
    return { state: 'missing' as const, user: null };
  }
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { state, user } = await sessionForChrome();
  const active = state === 'ok' ? user : null;
  // Signed in but finishing the first sign-in (MFA enrolment, a forced password change): the
  // header shows the person and the way out, never "Sign in"; the navigation waits for `ok`.
  const shown = active ?? (user && (state === 'mfa_pending' || state === 'must_change_password' || state === 'password_expired') ? user : null);
  const cfg = authConfig();
  const commissioning = await commissioningNow(active);
  const links = NAV.filter((l) => (l.permission ? can(active, l.permission) : !l.signedIn || active));
  const waiting = await waitingCount(active);
  const openAlerts = await openAlertCount(active);
  return (
    <html lang="en" className={inter.variable}>
      <body className="font-sans">
        <div id="app-shell" className="flex min-h-dvh flex-col">
        <a
          href="#main"
          className="skip-link sr-only rounded-md bg-white font-medium text-accent-800 shadow-md ring-1 ring-slate-300 focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:px-3 focus:py-2"
        >
          Skip to content
        </a>
        <header className="border-b border-slate-200 bg-white">
          <div className="mx-auto flex min-h-12 w-full max-w-6xl flex-wrap items-center gap-x-8 gap-y-1 px-4 py-1">
            <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight text-slate-900">
              <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5 text-accent-700" fill="currentColor">
                <path d="M10 1.5 3 4.2v5.1c0 4.3 2.9 8 7 9.2 4.1-1.2 7-4.9 7-9.2V4.2L10 1.5Zm0 2.1 5 1.9v3.8c0 3.2-2 6.1-5 7.2-3-1.1-5-4-5-7.2V5.5l5-1.9Z" />
                <path d="M8.9 12.6 6.4 10.1l1.1-1.1 1.4 1.4 3.6-3.6 1.1 1.1-4.7 4.7Z" />
              </svg>
              Custos
            </Link>
            <nav aria-label="Main">
              <ul className="flex flex-wrap items-center gap-1">
                {links.map((l) => (
                  <li key={l.href}>
                    <Link
                      href={l.href}
                      className="rounded-md px-2.5 py-1.5 font-medium text-slate-700 hover:bg-slate-100 hover:text-slate-900"
                    >
                      {l.label}
                      {l.href === '/change-requests' && waiting > 0 && ' '}
                      {l.href === '/change-requests' && waiting > 0 && (
                        <span className="ml-1 rounded-full bg-accent-700 px-1.5 py-px text-xs font-semibold text-white tabular-nums" data-testid="nav-waiting">
                          {waiting}
                          <span className="sr-only"> waiting for your approval</span>
                        </span>
                      )}
                      {l.href === '/admin/security-alerts' && openAlerts > 0 && ' '}
                      {l.href === '/admin/security-alerts' && openAlerts > 0 && (
                        <span className="ml-1 rounded-full bg-red-700 px-1.5 py-px text-xs font-semibold text-white tabular-nums" data-testid="nav-open-alerts">
                          {openAlerts}
                          <span className="sr-only"> open</span>
                        </span>
                      )}
                    </Link>
                  </li>
                ))}
              </ul>
            </nav>
            <div className="ml-auto" data-print="hide">
              {shown ? (
                <SessionMenu displayName={shown.displayName} employeeId={shown.employeeId} roles={shown.roles} />
              ) : (
                <Link href="/login" className="rounded-md px-2.5 py-1.5 text-sm font-medium text-accent-800 hover:bg-slate-100">
                  Sign in
                </Link>
              )}
            </div>
          </div>
        </header>
        {commissioning && (
          <div className="border-b border-amber-200 bg-amber-50" data-print="hide" data-testid="site-commissioning-banner">
            <p className="mx-auto w-full max-w-6xl px-4 py-1.5 text-xs text-amber-900">
              This site is <strong>commissioning</strong>: administrators provision users, roles and devices directly, each by their signature.{' '}
              {active && can(active, 'users.read') ? (
                <Link href="/admin/site" className="font-medium underline underline-offset-2">
                  Go live when ready
                </Link>
              ) : (
                'Records are kept as usual.'
              )}
            </p>
          </div>
        )}
        <main id="main" tabIndex={-1} className="mx-auto w-full max-w-6xl flex-1 px-4 py-6 focus:outline-none">
          {children}
        </main>
        <footer className="border-t border-slate-200 bg-white">
          <div className="mx-auto flex w-full max-w-6xl flex-wrap justify-between gap-2 px-4 py-3 text-xs text-slate-600">
            <span>Custos · electronic records under 21 CFR Part 11 and EU GMP Annex 11</span>
            <span>All times are UTC</span>
          </div>
        </footer>
        </div>
        {active && (
          <LockManager
            idleTimeoutS={active.idleTimeoutS}
            throttleS={cfg.activityThrottleS}
            displayName={active.displayName}
            employeeId={active.employeeId}
          />
        )}
      </body>
    </html>
  );
}
