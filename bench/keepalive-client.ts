import net from 'node:net';

// A lean HTTP/1.1 client for load generation: one keep-alive connection per simulated gateway,
// each request written as one pre-built buffer, each response read by status line,
// Content-Length (or chunked) and body — what a gateway's `requests.post` does on the wire,
// without http.Agent's per-request bookkeeping, which on a two-core machine costs the server
// under test a large share of the CPU it is measured on. One request at a time per connection
// (no pipelining: seed 001 gateways wait for each answer).

export interface TRawResponse {
  status: number;
  body: Buffer;
}

const HEADER_END = Buffer.from('\r\n\r\n');

export class KeepAliveConnection {
  private socket: net.Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private pending: { resolve: (r: TRawResponse) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** The head of a POST with this body (Host, Content-Type, Content-Length), then the body. */
  static post(host: string, port: number, path: string, contentType: string, body: Buffer): Buffer {
    const head = `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
    return Buffer.concat([Buffer.from(head, 'latin1'), body]);
  }

  request(bytes: Buffer): Promise<TRawResponse> {
    if (this.pending) return Promise.reject(new Error('one request at a time per connection'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.connect().write(bytes);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private connect(): net.Socket {
    if (this.socket && !this.socket.destroyed) return this.socket;
    this.buf = Buffer.alloc(0);
    const s = net.connect({ host: this.host, port: this.port, noDelay: true });
    s.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      this.parse();
    });
    const fail = (e: Error) => {
      if (this.socket === s) this.socket = null;
      const p = this.pending;
      this.pending = null;
      p?.reject(e);
    };
    s.on('error', fail);
    s.on('close', () => fail(new Error('connection closed before the response')));
    this.socket = s;
    return s;
  }

  private parse(): void {
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0 || !this.pending) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) return this.fatal(`not an HTTP response: ${lines[0].slice(0, 80)}`);
    let length = -1;
    let chunked = false;
    let close = false;
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      const name = l.slice(0, c).trim().toLowerCase();
      const value = l.slice(c + 1).trim().toLowerCase();
      if (name === 'content-length') length = Number(value);
      else if (name === 'transfer-encoding') chunked = value.includes('chunked');
      else if (name === 'connection') close = value === 'close';
    }
    let body: Buffer;
    let used: number;
    if (chunked) {
      const parts: Buffer[] = [];
      let at = end + 4;
      for (;;) {
        const eol = this.buf.indexOf('\r\n', at);
        if (eol < 0) return;
        const size = parseInt(this.buf.subarray(at, eol).toString('latin1'), 16);
        if (!Number.isFinite(size)) return this.fatal('bad chunk size');
        if (this.buf.length < eol + 2 + size + 2) return;
        if (size === 0) {
          used = eol + 4;
          break;
        }
        parts.push(this.buf.subarray(eol + 2, eol + 2 + size));
        at = eol + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else {
      if (length < 0) return this.fatal('response without Content-Length or chunked encoding');
      if (this.buf.length < end + 4 + length) return;
      body = Buffer.from(this.buf.subarray(end + 4, end + 4 + length));
      used = end + 4 + length;
    }
    this.buf = this.buf.subarray(used);
    const p = this.pending;
    this.pending = null;
    if (close) this.close();
    p.resolve({ status: Number(m[1]), body });
  }

  private fatal(message: string): void {
    const p = this.pending;
    this.pending = null;
    this.close();
    p?.reject(new Error(message));
  }
}

/**
 * The gateways' load: gateway g makes its `counts[g]` requests one after the other, each once
 * the one before was answered (`send(g, i)`), all gateways at once. `answered` gets each answer
 * with its latency in ms. Returns the wall-clock seconds of the whole.
 */
export async function eachGatewayInTurn<T>(counts: number[], send: (g: number, i: number) => Promise<T>, answered: (r: T, ms: number) => void): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    counts.map(async (n, g) => {
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        const r = await send(g, i);
        answered(r, performance.now() - s);
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}
