// A Mosquitto log line as an audit event of the broker chain. Pure. The line itself is kept
// verbatim in the event; what is parsed out of it (client id, username, address, topic) makes
// the viewer's filters work (entity = the client). Mosquitto 2.0 wording; a line that matches
// nothing is still kept, as `broker.log`.

export interface TBrokerLogEvent {
  action: string;
  entityId: string | null;
  reason: string | null;
  newValue: {
    level: string;
    line: string;
    brokerTime: string | null;
    source: string;
    clientId?: string;
    username?: string;
    address?: string;
    topic?: string;
    qos?: number;
    command?: string;
  };
}

const LEVEL: Record<string, string> = { E: 'error', W: 'warning', N: 'notice', I: 'information', D: 'debug', 'M/subscribe': 'subscribe', 'M/unsubscribe': 'unsubscribe' };

/** The level of a `$SYS/broker/log/…` topic, or `file` for a line read from the log file. */
export function levelOfTopic(topic: string | null): string {
  if (!topic) return 'file';
  const t = topic.replace(/^\$SYS\/broker\/log\//, '');
  return LEVEL[t] ?? t;
}

/** Splits the broker's timestamp (`log_timestamp_format %Y-%m-%dT%H:%M:%S`, or the default epoch seconds) from the message. */
function splitTime(text: string): { brokerTime: string | null; message: string } {
  const iso = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?): (.*)$/s.exec(text);
  if (iso) return { brokerTime: iso[1], message: iso[2] };
  const epoch = /^(\d{9,11}): (.*)$/s.exec(text);
  if (epoch) return { brokerTime: new Date(Number(epoch[1]) * 1000).toISOString().replace('.000Z', 'Z'), message: epoch[2] };
  return { brokerTime: null, message: text };
}

export function parseBrokerLogLine(topic: string | null, payload: string, source: string): TBrokerLogEvent {
  const line = payload.replace(/\r?\n$/, '').slice(0, 4000);
  const { brokerTime, message } = splitTime(line);
  const level = levelOfTopic(topic);
  const base = { level, line, brokerTime, source };
  let m: RegExpExecArray | null;
  if ((m = /^New connection from (\S+) on port (\d+)\.$/.exec(message))) {
    return { action: 'broker.connection_attempt', entityId: null, reason: null, newValue: { ...base, address: m[1] } };
  }
  if ((m = /^New client connected from (\S+) as (\S+) \(([^)]*)\)\.$/.exec(message))) {
    const u = /u'([^']*)'/.exec(m[3]);
    return { action: 'broker.connect', entityId: m[2], reason: null, newValue: { ...base, address: m[1], clientId: m[2], ...(u ? { username: u[1] } : {}) } };
  }
  if ((m = /^Client (\S+) disconnected, not authori[sz]ed\.$/.exec(message))) {
    return { action: 'broker.auth_refused', entityId: m[1] === '<unknown>' ? null : m[1], reason: 'not authorised', newValue: { ...base, clientId: m[1] } };
  }
  if ((m = /^Client (\S+) (?:disconnected|closed its connection|has exceeded timeout, disconnecting)(?:[.,:] ?(.*))?$/.exec(message))) {
    return { action: 'broker.disconnect', entityId: m[1], reason: m[2] ? m[2].replace(/\.$/, '') || null : null, newValue: { ...base, clientId: m[1] } };
  }
  if ((m = /^dynsec: (\S+?)\/(\S*) \| (\w+)(?: \| (.*))?$/.exec(message))) {
    return { action: 'broker.dynsec_command', entityId: m[1], reason: m[4] ?? null, newValue: { ...base, clientId: m[1], username: m[2], command: m[3] } };
  }
  if ((level === 'subscribe' || level === 'file') && (m = /^(\S+) ([012]) (\S+)$/.exec(message))) {
    return { action: 'broker.subscribe', entityId: m[1], reason: null, newValue: { ...base, clientId: m[1], qos: Number(m[2]), topic: m[3] } };
  }
  if (level === 'unsubscribe' && (m = /^(\S+) (.+)$/.exec(message))) {
    return { action: 'broker.unsubscribe', entityId: m[1], reason: null, newValue: { ...base, clientId: m[1], topic: m[2] } };
  }
  return { action: level === 'error' ? 'broker.error' : level === 'warning' ? 'broker.warning' : 'broker.log', entityId: null, reason: null, newValue: base };
}
