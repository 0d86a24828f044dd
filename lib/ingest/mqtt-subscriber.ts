import { EventEmitter } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import mqttPacket, { type Packet, type IPublishPacket } from 'mqtt-packet';

// An MQTT subscriber that acknowledges only after the caller has committed, and still batches.
// mqtt.js hands messages over one at a time when acks are manual (the next waits for the
// previous ack), so this client speaks the protocol itself (mqtt-packet does the framing):
// every PUBLISH the broker has in flight is collected, handed over as one batch, and after the
// batch commits the PUBACKs (QoS 1) / PUBRECs (QoS 2) go out in the order the messages arrived.
// If the commit fails nothing is acknowledged: the connection is dropped and the broker
// redelivers the whole window to this persistent session.

export interface TMqttMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  dup: boolean;
  receivedAt: Date;
}

export interface TSubscriberOptions {
  url: string; // mqtt://host:port or mqtts://host:port
  clientId: string;
  filters: string[];
  qos?: 1 | 2;
  protocolVersion?: 4 | 5;
  /** MQTT 5 session expiry (seconds); with 3.1.1 the session persists (clean = false). */
  sessionExpiryS?: number;
  /** Receive Maximum announced to an MQTT 5 broker: how many unacknowledged messages we take. */
  receiveMaximum?: number;
  keepaliveS?: number;
  username?: string;
  password?: string;
  tls?: tls.ConnectionOptions;
  maxBatch?: number;
  lingerMs?: number;
  onBatch: (messages: TMqttMessage[]) => Promise<void>;
  log?: (line: string) => void;
}

type TAck = { kind: 'puback' | 'pubrec'; messageId: number } | null;

export class AckAfterCommitSubscriber extends EventEmitter {
  private socket: net.Socket | null = null;
  private pending: Array<{ msg: TMqttMessage; ack: TAck }> = [];
  private flushing = false;
  private linger: NodeJS.Timeout | null = null;
  private ping: NodeJS.Timeout | null = null;
  private stopped = false;
  private backoffMs = 250;
  /** Grows while batches keep failing (database down), so redelivery is not a tight loop. */
  private failureBackoffMs = 0;
  private nextId = 1;
  connected = false;
  stats = { received: 0, committed: 0, batches: 0, failures: 0, reconnects: 0 };

  constructor(private readonly o: TSubscriberOptions) {
    super();
  }

  /**
   * Resolves once subscribed. Rejects if the first connection cannot be made or is refused;
   * a connection that drops before the subscription completes (e.g. the broker handing the
   * session over from a previous instance) is simply retried.
   */
  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.once('ready', () => resolve());
      this.connect((e) => {
        if (e) reject(e);
      });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.linger) clearTimeout(this.linger);
    if (this.ping) clearInterval(this.ping);
    while (this.flushing) await new Promise((r) => setTimeout(r, 10));
    if (this.socket && this.connected) this.write({ cmd: 'disconnect' } as Packet);
    this.socket?.end();
    this.socket?.destroy();
  }

  /** CUSTOS_INGEST_BATCH: a true maximum (a positive integer; anything else means 500). */
  private get maxBatch(): number {
    const n = Math.floor(this.o.maxBatch ?? 500);
    return Number.isFinite(n) && n >= 1 ? n : 500;
  }

  private log(line: string) {
    this.o.log?.(line);
  }

  private write(p: Packet) {
    this.socket?.write(mqttPacket.generate(p, { protocolVersion: this.o.protocolVersion ?? 4 }));
  }

  private connect(done?: (e?: Error) => void) {
    const u = new URL(this.o.url);
    const port = Number(u.port || (u.protocol === 'mqtts:' ? 8883 : 1883));
    const socket =
      u.protocol === 'mqtts:'
        ? tls.connect({ host: u.hostname, port, servername: u.hostname, ...this.o.tls })
        : net.connect({ host: u.hostname, port });
    this.socket = socket;
    socket.setNoDelay(true);
    const version = this.o.protocolVersion ?? 4;
    const parser = mqttPacket.parser({ protocolVersion: version });
    let settled = false;
    const settle = (e?: Error) => {
      if (!settled) {
        settled = true;
        done?.(e);
      }
    };
    socket.on(u.protocol === 'mqtts:' ? 'secureConnect' : 'connect', () => {
      this.write({
        cmd: 'connect',
        clientId: this.o.clientId,
        protocolVersion: version,
        protocolId: 'MQTT',
        clean: false,
        keepalive: this.o.keepaliveS ?? 30,
        username: this.o.username,
        password: this.o.password ? Buffer.from(this.o.password) : undefined,
        properties: version === 5 ? { sessionExpiryInterval: this.o.sessionExpiryS ?? 86_400 * 7, receiveMaximum: this.o.receiveMaximum ?? 1000 } : undefined,
      } as Packet);
    });
    parser.on('packet', (p: Packet) => this.onPacket(p, settle));
    parser.on('error', (e: Error) => {
      this.log(`mqtt: protocol error ${e.message}`);
      socket.destroy(e);
    });
    socket.on('data', (d) => parser.parse(d));
    socket.on('error', (e) => {
      this.log(`mqtt: ${e.message}`);
      settle(e);
    });
    socket.on('close', () => {
      this.connected = false;
      if (this.ping) clearInterval(this.ping);
      // Unacknowledged messages of this connection will be redelivered to the session.
      this.pending = [];
      if (!this.stopped) {
        this.stats.reconnects += 1;
        const wait = Math.max(this.backoffMs, this.failureBackoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
        setTimeout(() => !this.stopped && this.connect(), wait);
      }
    });
  }

  private onPacket(p: Packet, settle: (e?: Error) => void) {
    switch (p.cmd) {
      case 'connack': {
        const code = 'reasonCode' in p && p.reasonCode !== undefined ? p.reasonCode : (p as { returnCode?: number }).returnCode;
        if (code) {
          settle(new Error(`broker refused the connection (code ${code})`));
          this.socket?.destroy();
          return;
        }
        this.connected = true;
        this.backoffMs = 250;
        this.write({
          cmd: 'subscribe',
          messageId: this.id(),
          subscriptions: this.o.filters.map((topic) => ({ topic, qos: this.o.qos ?? 1 })),
        } as Packet);
        const ka = (this.o.keepaliveS ?? 30) * 500;
        this.ping = setInterval(() => this.write({ cmd: 'pingreq' } as Packet), ka);
        return;
      }
      case 'suback': {
        const granted = (p as { granted: number[] }).granted;
        if (granted.some((g) => g >= 0x80)) settle(new Error(`broker refused the subscription (${granted.join(',')})`));
        else {
          this.log(`mqtt: subscribed ${this.o.filters.join(', ')} as ${this.o.clientId}`);
          settle();
          this.emit('ready');
        }
        return;
      }
      case 'publish':
        return this.onPublish(p as IPublishPacket);
      case 'pubrel':
        // QoS 2: the message was stored when its PUBREC went out; complete the flow.
        this.write({ cmd: 'pubcomp', messageId: (p as { messageId: number }).messageId } as Packet);
        return;
      default:
        return;
    }
  }

  private onPublish(p: IPublishPacket) {
    this.stats.received += 1;
    const qos = p.qos as 0 | 1 | 2;
    const msg: TMqttMessage = {
      topic: p.topic,
      payload: Buffer.isBuffer(p.payload) ? p.payload : Buffer.from(p.payload),
      qos,
      dup: Boolean(p.dup),
      receivedAt: new Date(),
    };
    const ack: TAck = qos === 1 ? { kind: 'puback', messageId: p.messageId! } : qos === 2 ? { kind: 'pubrec', messageId: p.messageId! } : null;
    this.pending.push({ msg, ack });
    if (this.pending.length >= this.maxBatch) void this.flush();
    else if (!this.linger) this.linger = setTimeout(() => void this.flush(), this.o.lingerMs ?? 2);
  }

  private async flush(): Promise<void> {
    if (this.linger) {
      clearTimeout(this.linger);
      this.linger = null;
    }
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = true;
    const socket = this.socket;
    // At most maxBatch (CUSTOS_INGEST_BATCH): what arrived during the previous commit waits for the next.
    const batch = this.pending.splice(0, this.maxBatch);
    try {
      await this.o.onBatch(batch.map((b) => b.msg));
      this.stats.batches += 1;
      this.stats.committed += batch.length;
      this.failureBackoffMs = 0;
      // In arrival order, and only on the connection the messages came from.
      if (socket === this.socket && this.connected) {
        const out: Buffer[] = [];
        for (const b of batch) if (b.ack) out.push(mqttPacket.generate({ cmd: b.ack.kind, messageId: b.ack.messageId } as Packet, { protocolVersion: this.o.protocolVersion ?? 4 }));
        if (out.length) socket!.write(Buffer.concat(out));
      }
    } catch (e) {
      this.stats.failures += 1;
      this.failureBackoffMs = Math.min(Math.max(this.failureBackoffMs * 2, 250), 15_000);
      this.log(`ingest: batch of ${batch.length} not committed (${(e as Error).message}); nothing acknowledged, reconnecting in ${this.failureBackoffMs} ms for redelivery`);
      socket?.destroy();
    } finally {
      this.flushing = false;
      if (this.pending.length) void this.flush();
    }
  }

  private id(): number {
    this.nextId = this.nextId >= 65535 ? 1 : this.nextId + 1;
    return this.nextId;
  }
}
