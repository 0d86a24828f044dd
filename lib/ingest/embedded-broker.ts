import net from 'node:net';
import { Aedes } from 'aedes';

// `npm start` with no MQTT_URL: an in-process Aedes broker on 127.0.0.1:1883 (MQTT 3.1.1, in
// memory — for evaluation; production runs Mosquitto or another broker, see README). If a
// broker already listens there, that one is used instead.

export async function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, host, () => {
      c.end();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
}

export async function startEmbeddedBroker(port = 1883, host = '127.0.0.1'): Promise<{ url: string; stop(): Promise<void> }> {
  const aedes = await Aedes.createBroker();
  const server = net.createServer((socket) => aedes.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    url: `mqtt://${host}:${port}`,
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
      await new Promise<void>((r) => aedes.close(() => r()));
    },
  };
}
