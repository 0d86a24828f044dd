import { fork } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { buildGatewayBody } from '@/lib/ingest/simulate/build-payloads';
import { fmtInt, note, positiveInt, runBench } from './common';
import { eachGatewayInTurn, KeepAliveConnection } from './keepalive-client';

// `npx tsx bench/http-floor.ts [--gateways 64] [--readings 300] [--rounds 2]`: what this machine
// can do at most for the gateway endpoint, without Custos. A bare node:http server in a process
// of its own answers the same seed 001 bodies that bench:gateway posts, over the same keep-alive
// client, in two modes alternated round by round:
//   plain   reads the body, parses it and its `canonical` (JSON.parse), answers a small JSON;
//   verify  the same, and checks the body's P-256 signature with its gateway's key.
// `verify` is the ceiling for any endpoint that checks each reading's signature on one event
// loop, before storing anything. bench:gateway runs it (`floorRun`) beside its grouped case and
// reports the share of this ceiling it reached, a figure that travels between machines better
// than readings/s. A tool for reading the machine, not a goal: it always exits 0.

type TMode = 'plain' | 'verify';
type TFromParent = { keys: Array<[string, string]> } | { report: true };

const self = fileURLToPath(import.meta.url);
const isEntry = process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url;
if (isEntry && process.argv[2] === '--serve') serve();
else if (isEntry) {
  const { values } = parseArgs({
    options: {
      gateways: { type: 'string', default: '64' },
      readings: { type: 'string', default: '300' },
      rounds: { type: 'string', default: '2' },
      port: { type: 'string', default: '3472' },
    },
  });
  const GATEWAYS = positiveInt('gateways', values.gateways);
  const READINGS = positiveInt('readings', values.readings);
  const ROUNDS = positiveInt('rounds', values.rounds);
  const PORT = positiveInt('port', values.port);
  runBench(() => main(GATEWAYS, READINGS, ROUNDS, PORT));
}

function serve(): void {
  const mode = process.argv[3] as TMode;
  const keys = new Map<string, KeyObject>();
  const cpu0 = process.cpuUsage();
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { canonical: string; sig: string };
      const signed = Buffer.from(body.canonical, 'utf8');
      const reading = JSON.parse(body.canonical) as { sensor_id: string };
      let status = 200;
      if (mode === 'verify') {
        const key = keys.get(reading.sensor_id);
        if (!key || !verify('sha256', signed, { key, dsaEncoding: 'der' }, Buffer.from(body.sig, 'hex'))) status = 422;
      }
      const text = JSON.stringify(status === 200 ? { status: 'stored', batchId: '1' } : { status: 'quarantined' });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  process.on('message', (m: TFromParent) => {
    if ('keys' in m) {
      for (const [sensor, pem] of m.keys) keys.set(sensor, createPublicKey(pem));
      server.listen(Number(process.argv[4]), '127.0.0.1', () => process.send!({ ready: true }));
    } else {
      const cpu = process.cpuUsage(cpu0);
      process.send!({ cpuUs: cpu.user + cpu.system, requests }, () => process.exit(0));
    }
  });
}

export type TFloorRun = { mode: TMode; perSecond: number; seconds: number; serverCpuUsPerRequest: number; clientCpuUsPerRequest: number; statuses: Record<number, number> };

/** `gateways` keep-alive connections posting `readings` signed bodies each to a bare server in `mode`. */
export async function floorRun(mode: TMode, gateways: number, readings: number, port: number): Promise<TFloorRun> {
  const pairs = Array.from({ length: gateways }, () => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const keys = pairs.map((k, g): [string, string] => [`BS-${g}`, k.publicKey.export({ type: 'spki', format: 'pem' }).toString()]);
  const posts = pairs.map((k, g) =>
    Array.from({ length: readings }, (_, seq) =>
      KeepAliveConnection.post('127.0.0.1', port, '/api/ingest/gateway', 'application/json', buildGatewayBody({ privateKey: k.privateKey, seq, sensorId: `BS-${g}`, value: `${g}.${seq}` })),
    ),
  );
  const child = fork(self, ['--serve', mode, String(port)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = <T>() => new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('exit', (code) => reject(new Error(`the floor server exited with ${code}`)));
  });
  try {
    const ready = reply<{ ready: true }>();
    child.send({ keys } satisfies TFromParent);
    await ready;
    const conns = posts.map(() => new KeepAliveConnection('127.0.0.1', port));
    const statuses: Record<number, number> = {};
    const client0 = process.cpuUsage();
    const seconds = await eachGatewayInTurn(
      posts.map((p) => p.length),
      (g, i) => conns[g].request(posts[g][i]),
      (r) => (statuses[r.status] = (statuses[r.status] ?? 0) + 1),
    );
    const client = process.cpuUsage(client0);
    const report = reply<{ cpuUs: number; requests: number }>();
    child.send({ report: true } satisfies TFromParent);
    const { cpuUs, requests } = await report;
    conns.forEach((c) => c.close());
    const n = gateways * readings;
    return { mode, perSecond: Math.round(n / seconds), seconds, serverCpuUsPerRequest: Math.round(cpuUs / requests), clientCpuUsPerRequest: Math.round((client.user + client.system) / n), statuses };
  } finally {
    if (child.exitCode === null) child.kill();
  }
}

async function main(gateways: number, readings: number, rounds: number, port: number): Promise<number> {
  note(`${rounds} round(s) of ${fmtInt(gateways * readings)} posts in each mode…`);
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['plain', 'verify'] as const) {
      const r = await floorRun(mode, gateways, readings, port);
      note(
        `round ${round} ${mode.padEnd(6)}: ${fmtInt(r.perSecond)} requests/s (${gateways * readings} in ${r.seconds.toFixed(2)} s), CPU µs/request: server ${r.serverCpuUsPerRequest}, client ${r.clientCpuUsPerRequest}; statuses ${JSON.stringify(r.statuses)}`,
      );
    }
  }
  return 0;
}
