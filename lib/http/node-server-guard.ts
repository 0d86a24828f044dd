import http from 'node:http';
import { ALLOWED_METHODS, checkMethod } from '@/lib/http/request-guard';

let installed = false;

type TFastRoute = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
const g = globalThis as unknown as { custosFastRoutes?: Map<string, TFastRoute> };
const fastRoutes = (g.custosFastRoutes ??= new Map());

/**
 * A route the Node server answers itself, before Next.js: only the telemetry hot path
 * (POST /api/ingest/gateway, lib/ingest/gateway-endpoint.ts), whose Next.js route handler stays
 * the same code for `next dev` and tests. `METHOD /path`, matched without the query string.
 */
export function registerFastRoute(method: string, pathname: string, handler: TFastRoute): void {
  fastRoutes.set(`${method} ${pathname}`, handler);
}

/**
 * Two things only the Node server can do, before Next.js sees a request:
 *   - TRACE, TRACK, CONNECT … are answered 405 (Next's request object refuses them with a
 *     TypeError, which would be logged as a server error and answered 500);
 *   - the socket address is appended to `X-Forwarded-For`, so its last hop is always the peer
 *     that really connected (Next would keep a client-sent header as it is). lib/http/client-address.ts
 *     walks the chain from there through CUSTOS_TRUSTED_PROXIES only.
 */
export function installNodeServerGuard(): void {
  if (installed) return;
  installed = true;
  const emit = http.Server.prototype.emit as (this: http.Server, e: string | symbol, ...a: unknown[]) => boolean;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const v = checkMethod(req.method ?? '');
      if (!v.ok) {
        res.writeHead(405, { 'content-type': 'application/json', allow: ALLOWED_METHODS.join(', '), 'cache-control': 'no-store' });
        res.end(JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: v.message } }));
        return true;
      }
      appendSocketAddress(req);
      if (fastRoutes.size > 0) {
        const url = req.url ?? '';
        const q = url.indexOf('?');
        const route = fastRoutes.get(`${req.method} ${q < 0 ? url : url.slice(0, q)}`);
        if (route) {
          route(req, res).catch((e: unknown) => {
            if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json', 'cache-control': 'no-store' });
            res.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'Something went wrong on the server' } }));
            console.error(e);
          });
          return true;
        }
      }
    }
    return emit.call(this, event, ...args);
  } as typeof http.Server.prototype.emit;
}

export function appendSocketAddress(req: Pick<http.IncomingMessage, 'headers' | 'socket'>): void {
  const peer = req.socket?.remoteAddress;
  if (!peer) return;
  const prior = req.headers['x-forwarded-for'];
  const chain = (Array.isArray(prior) ? prior.join(', ') : (prior ?? '')).trim();
  req.headers['x-forwarded-for'] = chain ? `${chain}, ${peer}` : peer;
}
