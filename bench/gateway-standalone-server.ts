import http from 'node:http';
import { appendSocketAddress } from '@/lib/http/node-server-guard';
import { handleGatewayNode } from '@/lib/ingest/gateway-endpoint';

// `bench:gateway -- --standalone`: the gateway endpoint's own code on a bare Node HTTP server
// (no Next.js), to tell the endpoint's cost from the framework's. Not a way to run Custos.
const port = Number(process.env.PORT ?? 3470);
http
  .createServer((req, res) => {
    if (req.url === '/api/health') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    appendSocketAddress(req);
    void handleGatewayNode(req, res);
  })
  .listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
