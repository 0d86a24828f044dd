import { describe, expect, it } from 'vitest';
import { aedesHooks, brokerAcl, patternCovers } from '@/lib/broker/aedes-acl';
import { deviceClientCommands, EMPTY_STATE, simulate } from '@/lib/broker/dynsec-model';

const { state } = simulate(EMPTY_STATE, [
  ...deviceClientCommands('FRIDGE-1', ['pharma/FRIDGE-1/#']),
  { command: 'addRoleACL', rolename: 'device-FRIDGE-1', acltype: 'publishClientSend', topic: 'pharma/FRIDGE-1/secret', allow: false, priority: 5 },
  { command: 'createRole', rolename: 'historian' },
  { command: 'addRoleACL', rolename: 'historian', acltype: 'subscribePattern', topic: 'pharma/+/temp', allow: true },
  { command: 'addRoleACL', rolename: 'historian', acltype: 'subscribeLiteral', topic: '$share/custos/pharma/#', allow: true },
  { command: 'createClient', username: 'hist' },
  { command: 'addClientRole', username: 'hist', rolename: 'historian' },
  { command: 'createClient', username: 'off' },
  { command: 'addClientRole', username: 'off', rolename: 'historian' },
  { command: 'disableClient', username: 'off' },
]);

describe('the same ACL model on the embedded Aedes broker (evaluation)', () => {
  it('[URS 4.2 RBAC] a device publishes only to its own topics; a higher-priority deny wins', () => {
    const acl = brokerAcl(state);
    expect(acl.mayPublish('FRIDGE-1', 'pharma/FRIDGE-1/temp')).toBe(true);
    expect(acl.mayPublish('FRIDGE-1', 'pharma/FRIDGE-2/temp')).toBe(false);
    expect(acl.mayPublish('FRIDGE-1', 'pharma/FRIDGE-1/secret')).toBe(false);
    expect(acl.mayPublish(null, 'pharma/FRIDGE-1/temp')).toBe(false);
  });
  it('[URS 4.2 RBAC] subscriptions: patterns cover narrower filters only, literals match exactly, a disabled client gets nothing', () => {
    const acl = brokerAcl(state);
    expect(acl.maySubscribe('hist', 'pharma/F1/temp')).toBe(true);
    expect(acl.maySubscribe('hist', 'pharma/+/temp')).toBe(true);
    expect(acl.maySubscribe('hist', 'pharma/#')).toBe(false);
    expect(acl.maySubscribe('hist', '$share/custos/pharma/#')).toBe(true);
    expect(acl.maySubscribe('off', 'pharma/F1/temp')).toBe(false);
    expect(patternCovers('a/#', 'a/b/#')).toBe(true);
    expect(patternCovers('a/+', 'a/#')).toBe(false);
  });
  it('answers through the Aedes hook signatures', () => {
    const hooks = aedesHooks(state);
    const results: unknown[] = [];
    hooks.authorizePublish({ id: 'c1', custosUsername: 'FRIDGE-1' }, { topic: 'pharma/X/temp' }, (e) => results.push(e?.message ?? 'ok'));
    hooks.authorizeSubscribe({ id: 'c2', custosUsername: 'hist' }, { topic: 'pharma/X/temp', qos: 1 }, (_e, s) => results.push(s));
    expect(results).toEqual(['not authorised', { topic: 'pharma/X/temp', qos: 1 }]);
  });
});
