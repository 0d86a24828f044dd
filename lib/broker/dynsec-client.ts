import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { normalizeState, type TBrokerState, type TClient, type TRole } from '@/lib/broker/dynsec-model';

// The broker's control API: JSON command batches published to $CONTROL/dynamic-security/v1,
// answers on …/response, each matched to its command by correlationData. The connection also
// listens to the broker's error log, because the plugin answers success to a change it could
// not save (a config file the broker may not write) and says so only there.

export const CONTROL_TOPIC = '$CONTROL/dynamic-security/v1';
const RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;
const ERROR_LOG_TOPIC = '$SYS/broker/log/E';

export interface TBrokerControlConfig {
  url: string;
  username: string;
  password: string;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

/** From the environment; null when Custos does not manage the broker. */
export function brokerControlConfig(env: NodeJS.ProcessEnv = process.env): TBrokerControlConfig | null {
  const username = env.CUSTOS_BROKER_ADMIN_USERNAME;
  if (!username) return null;
  const password = env.CUSTOS_BROKER_ADMIN_PASSWORD_FILE ? readFileSync(env.CUSTOS_BROKER_ADMIN_PASSWORD_FILE, 'utf8').trim() : (env.CUSTOS_BROKER_ADMIN_PASSWORD ?? '');
  const url = env.CUSTOS_BROKER_URL || env.MQTT_URL || 'mqtt://127.0.0.1:1883';
  const tls =
    env.CUSTOS_MQTT_CA || env.CUSTOS_MQTT_CERT
      ? {
          ca: env.CUSTOS_MQTT_CA ? readFileSync(env.CUSTOS_MQTT_CA) : undefined,
          cert: env.CUSTOS_MQTT_CERT ? readFileSync(env.CUSTOS_MQTT_CERT) : undefined,
          key: env.CUSTOS_MQTT_KEY ? readFileSync(env.CUSTOS_MQTT_KEY) : undefined,
        }
      : undefined;
  return { url, username, password, tls };
}

export interface TDynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
}

export class DynsecClient {
  /** Lines of the broker's error log about saving the plugin's configuration, since connecting. */
  readonly saveErrors: string[] = [];
  private readonly pending = new Map<string, (r: TDynsecResponse) => void>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      if (topic === ERROR_LOG_TOPIC) {
        const line = payload.toString('utf8');
        if (/dynamic security|dynsec/i.test(line)) this.saveErrors.push(line);
        return;
      }
      if (topic !== RESPONSE_TOPIC) return;
      let body: { responses?: Array<TDynsecResponse & { correlationData?: string }> };
      try {
        body = JSON.parse(payload.toString('utf8')) as typeof body;
      } catch {
        return;
      }
      for (const r of body.responses ?? []) {
        const done = r.correlationData ? this.pending.get(r.correlationData) : undefined;
        if (done) {
          this.pending.delete(r.correlationData!);
          done({ command: r.command, error: r.error, data: r.data });
        }
      }
    });
  }

  static async connect(cfg: TBrokerControlConfig, opts: { timeoutMs?: number } = {}): Promise<DynsecClient> {
    const client = await mqtt.connectAsync(cfg.url, {
      username: cfg.username,
      password: cfg.password,
      protocolVersion: 5,
      clientId: `custos-control-${randomUUID().slice(0, 8)}`,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: opts.timeoutMs ?? 10_000,
      ...(cfg.tls ? { ...cfg.tls, rejectUnauthorized: true } : {}),
    });
    client.on('error', () => undefined);
    const c = new DynsecClient(client);
    const granted = await client.subscribeAsync([RESPONSE_TOPIC, ERROR_LOG_TOPIC], { qos: 1 });
    if (granted[0].qos > 2) {
      await client.endAsync(true);
      throw new Error(`the broker refused ${cfg.username} the control API's response topic`);
    }
    return c;
  }

  /** Sends a batch; the answers come back in the order of the commands. */
  async run(commands: Array<Record<string, unknown>>, timeoutMs = 15_000): Promise<TDynsecResponse[]> {
    if (commands.length === 0) return [];
    const batch = randomUUID();
    const waits = commands.map(
      (_, i) =>
        new Promise<TDynsecResponse>((resolve) => {
          this.pending.set(`${batch}:${i}`, resolve);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the broker did not answer ${commands.length} control command(s) within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await this.client.publishAsync(CONTROL_TOPIC, JSON.stringify({ commands: commands.map((c, i) => ({ ...c, correlationData: `${batch}:${i}` })) }), { qos: 1 });
      return await Promise.race([Promise.all(waits), timeout]);
    } finally {
      clearTimeout(timer);
      for (let i = 0; i < commands.length; i++) this.pending.delete(`${batch}:${i}`);
    }
  }

  /** The broker's whole access configuration, read back through listClients/getClient, listRoles/getRole and getDefaultACLAccess. */
  async readState(): Promise<TBrokerState> {
    const [clients, roles, defaults] = await this.run([{ command: 'listClients', verbose: false, count: -1 }, { command: 'listRoles', verbose: false, count: -1 }, { command: 'getDefaultACLAccess' }]);
    for (const r of [clients, roles, defaults]) if (r.error) throw new Error(`${r.command}: ${r.error}`);
    const usernames = (clients.data?.clients as string[] | undefined) ?? [];
    const rolenames = (roles.data?.roles as Array<string | { rolename: string }> | undefined)?.map((r) => (typeof r === 'string' ? r : r.rolename)) ?? [];
    const detail = await this.run([...usernames.map((username) => ({ command: 'getClient', username })), ...rolenames.map((rolename) => ({ command: 'getRole', rolename }))]);
    for (const r of detail) if (r.error) throw new Error(`${r.command}: ${r.error}`);
    const acl = new Map(((defaults.data?.acls as Array<{ acltype: string; allow: boolean }> | undefined) ?? []).map((a) => [a.acltype, a.allow]));
    return normalizeState({
      clients: detail.slice(0, usernames.length).map((r) => toClient(r.data?.client as Record<string, unknown>)),
      roles: detail.slice(usernames.length).map((r) => toRole(r.data?.role as Record<string, unknown>)),
      defaultACLAccess: {
        publishClientSend: acl.get('publishClientSend') ?? false,
        publishClientReceive: acl.get('publishClientReceive') ?? true,
        subscribe: acl.get('subscribe') ?? false,
        unsubscribe: acl.get('unsubscribe') ?? true,
      },
    });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true).catch(() => undefined);
  }
}

function toClient(c: Record<string, unknown>): TClient {
  return {
    username: String(c.username),
    textname: typeof c.textname === 'string' ? c.textname : '',
    clientid: typeof c.clientid === 'string' ? c.clientid : '',
    disabled: c.disabled === true,
    // The plugin leaves out a role's priority when it is the default (-1).
    roles: ((c.roles as Array<{ rolename: string; priority?: number }> | undefined) ?? []).map((r) => ({ rolename: r.rolename, priority: r.priority ?? -1 })),
    groups: ((c.groups as Array<{ groupname: string }> | undefined) ?? []).map((g) => g.groupname),
  };
}

function toRole(r: Record<string, unknown>): TRole {
  return {
    rolename: String(r.rolename),
    textname: typeof r.textname === 'string' ? r.textname : '',
    acls: ((r.acls as Array<{ acltype: TRole['acls'][number]['acltype']; topic: string; priority?: number; allow?: boolean }> | undefined) ?? []).map((a) => ({
      acltype: a.acltype,
      topic: a.topic,
      priority: a.priority ?? 0,
      allow: a.allow !== false,
    })),
  };
}

/** Connects, runs `fn`, always closes. */
export async function withDynsec<T>(cfg: TBrokerControlConfig, fn: (c: DynsecClient) => Promise<T>): Promise<T> {
  const c = await DynsecClient.connect(cfg);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}
