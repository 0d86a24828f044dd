import http from 'node:http';
import { ALLOWED_METHODS, checkMethod } from '@/lib/http/request-guard';

let installed = false;

/**
 * TRACE, TRACK, CONNECT … never reach Next.js: its request object refuses them with a
 * TypeError, which would be logged as a server error and answered 500. They are answered 405
 * here, on the Node server, before anything else sees them.
 */
export function refuseUnknownMethods(): void {
  if (installed) return;
  installed = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const v = checkMethod(req.method ?? '');
      if (!v.ok) {
        res.writeHead(405, { 'content-type': 'application/json', allow: ALLOWED_METHODS.join(', '), 'cache-control': 'no-store' });
        res.end(JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: v.message } }));
        return true;
      }
    }
    return (emit as (this: http.Server, e: string | symbol, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof emit;
}
