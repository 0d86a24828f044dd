import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

// Server actions of the build, called over HTTP as a browser would (no UI in between): what the
// authorization matrix and the refusal tests use to prove the server, not the page, refuses.

export const ROOT = path.resolve(import.meta.dirname, '../..');
const require = createRequire(path.join(ROOT, 'package.json'));
export const { encodeReply } = require('next/dist/compiled/react-server-dom-webpack/client.node.js') as {
  encodeReply: (args: unknown[]) => Promise<FormData | string>;
};

export interface TActionRef {
  key: string; // file#export
  id: string;
  /** A page that carries the action (dynamic segments filled in): actions are posted to a page. */
  pagePath: string;
}

export function discoverActions(): TActionRef[] {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, '.next/server/server-reference-manifest.json'), 'utf8')) as {
    node: Record<string, { exportedName: string; filename: string; workers: Record<string, unknown> }>;
  };
  return Object.entries(manifest.node).map(([id, a]) => {
    const pages = Object.keys(a.workers).filter((w) => w.endsWith('/page'));
    const page = pages.sort((x, y) => (x.match(/\[/g)?.length ?? 0) - (y.match(/\[/g)?.length ?? 0) || x.localeCompare(y))[0];
    if (!page) throw new Error(`action ${a.exportedName} is on no page`);
    return { key: `${a.filename}#${a.exportedName}`, id, pagePath: fill(page.replace(/^app/, '').replace(/\/page$/, '') || '/') };
  });
}

/** A dynamic segment gets an id that exists nowhere. */
export function fill(route: string): string {
  return route.replace(/\[\.\.\.[^\]]+\]/g, 'providers').replace(/\[[^\]]+\]/g, () => randomUUID());
}

/** The value a server action returned, from its RSC reply (row 0 points at the result row). */
export function actionReturn(body: string): { error?: unknown } | null {
  const rows = new Map<string, string>();
  for (const line of body.split('\n')) {
    const m = /^([0-9a-f]+):(.*)$/.exec(line);
    if (m) rows.set(m[1], m[2]);
  }
  const root = JSON.parse(rows.get('0') ?? 'null') as { a?: string } | null;
  const ref = typeof root?.a === 'string' ? root.a.replace(/^\$@/, '') : null;
  const row = ref === null ? undefined : rows.get(ref);
  if (row === undefined) return null;
  if (row.startsWith('E')) throw new Error(`the action threw: ${row.slice(0, 300)}`);
  return JSON.parse(row) as { error?: unknown };
}

/** Posts `fields` to the action `key` (file#export) with the given cookie; returns what it returned. */
export async function callAction(baseURL: string, key: string, fields: Record<string, string>, cookie: string): Promise<{ error?: unknown } | null> {
  const ref = discoverActions().find((a) => a.key === key);
  if (!ref) throw new Error(`no server action ${key} in the build`);
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  const res = await fetch(baseURL + ref.pagePath, {
    method: 'POST',
    headers: { origin: baseURL, cookie, 'next-action': ref.id, accept: 'text/x-component' },
    body: await encodeReply([{}, form]),
    redirect: 'manual',
  });
  if (res.status >= 500) throw new Error(`${key}: HTTP ${res.status}`);
  return actionReturn(await res.text());
}
