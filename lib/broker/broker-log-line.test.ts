import { describe, expect, it } from 'vitest';
import { parseBrokerLogLine } from '@/lib/broker/broker-log-line';

// Lines as Mosquitto 2.0.11 writes them (log_timestamp_format %Y-%m-%dT%H:%M:%S).
describe('broker log lines as audit events', () => {
  it('reads a refused connection (bad credentials)', () => {
    const e = parseBrokerLogLine('$SYS/broker/log/N', '2026-12-03T08:43:22: Client <unknown> disconnected, not authorised.', 'topic');
    expect(e).toMatchObject({ action: 'broker.auth_refused', entityId: null, reason: 'not authorised', newValue: { level: 'notice', brokerTime: '2026-12-03T08:43:22' } });
  });
  it('reads a connection with its client id, username and address', () => {
    const e = parseBrokerLogLine('$SYS/broker/log/N', "2026-12-03T08:43:22: New client connected from 127.0.0.1:53562 as auto-D3D8 (p2, c1, k60, u'dev1').", 'topic');
    expect(e).toMatchObject({ action: 'broker.connect', entityId: 'auto-D3D8', newValue: { clientId: 'auto-D3D8', username: 'dev1', address: '127.0.0.1:53562' } });
  });
  it('reads subscriptions, disconnections and dynamic-security commands', () => {
    expect(parseBrokerLogLine('$SYS/broker/log/M/subscribe', '2026-12-03T08:43:22: auto-DEF4 0 $SYS/broker/log/#', 'topic')).toMatchObject({ action: 'broker.subscribe', newValue: { qos: 0, topic: '$SYS/broker/log/#' } });
    expect(parseBrokerLogLine('$SYS/broker/log/N', '1764751402: Client dev1-abc closed its connection.', 'topic')).toMatchObject({ action: 'broker.disconnect', entityId: 'dev1-abc', newValue: { brokerTime: '2025-12-03T08:43:22Z' } });
    expect(parseBrokerLogLine(null, '2026-12-03T08:42:35: dynsec: auto-3CB6/admin | createRole | rolename=r1', 'file:/var/log/mosquitto.log')).toMatchObject({
      action: 'broker.dynsec_command',
      entityId: 'auto-3CB6',
      reason: 'rolename=r1',
      newValue: { username: 'admin', command: 'createRole', level: 'file' },
    });
  });
  it('keeps a line it does not recognise, verbatim', () => {
    const e = parseBrokerLogLine('$SYS/broker/log/E', '2026-12-03T08:43:12: Error saving Dynamic security plugin config: File is not writable - check permissions.', 'topic');
    expect(e).toMatchObject({ action: 'broker.error', newValue: { line: '2026-12-03T08:43:12: Error saving Dynamic security plugin config: File is not writable - check permissions.' } });
  });
});
