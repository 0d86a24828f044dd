import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AckAfterCommitSubscriber } from '@/lib/ingest/mqtt-subscriber';
import { startMosquitto } from '@/tests/helpers/mosquitto';

// URS 4.2: the worker reaches the broker over TLS with a client certificate (mTLS).
let dir: string;
let broker: Awaited<ReturnType<typeof startMosquitto>>;
const file = (n: string) => path.join(dir, n);
const ossl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });

function issue(name: string, cn: string, san?: string) {
  ossl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
  const ext = san ? ['-extfile', file(`${name}.ext`)] : [];
  if (san) writeFileSync(file(`${name}.ext`), `subjectAltName=${san}\n`);
  ossl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', ...ext]);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'custos-tls-'));
  ossl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Custos Test CA']);
  issue('server', '127.0.0.1', 'IP:127.0.0.1');
  issue('client', 'custos-worker');
  // Mosquitto started as root drops to its own user: it must be able to read the (test-only) files.
  chmodSync(dir, 0o755);
  for (const f of readdirSync(dir)) chmodSync(file(f), 0o644);
  broker = await startMosquitto({ tls: { ca: file('ca.pem'), cert: file('server.pem'), key: file('server.key') } });
}, 60_000);
afterAll(async () => {
  await broker?.stop();
});

const subscriber = (tls: object) =>
  new AckAfterCommitSubscriber({ url: broker.url, clientId: `tls-${Math.random()}`, filters: ['pharma/#'], tls, onBatch: async () => {} });

describe('broker connection over TLS', () => {
  it('[URS 4.2] connects with mutual TLS (CA-verified server, client certificate)', async () => {
    const sub = subscriber({ ca: readFileSync(file('ca.pem')), cert: readFileSync(file('client.pem')), key: readFileSync(file('client.key')), rejectUnauthorized: true });
    await sub.start();
    expect(sub.connected).toBe(true);
    await sub.stop();
  });

  it('[URS 4.2] refuses a server it cannot verify, and the broker refuses a client without a certificate', async () => {
    const unverified = subscriber({ rejectUnauthorized: true });
    await expect(unverified.start()).rejects.toThrow();
    await unverified.stop();
    const noCert = subscriber({ ca: readFileSync(file('ca.pem')), rejectUnauthorized: true });
    await expect(noCert.start()).rejects.toThrow();
    await noCert.stop();
  });
});
