import { describe, expect, it } from 'vitest';
import { aclTopicError, deviceClientCommands, diffStates, EMPTY_STATE, simulate, stateHash, type TBrokerState } from '@/lib/broker/dynsec-model';

const admin: TBrokerState = {
  ...EMPTY_STATE,
  clients: [{ username: 'admin', textname: '', clientid: '', disabled: false, roles: [{ rolename: 'admin', priority: -1 }], groups: [] }],
  roles: [{ rolename: 'admin', textname: '', acls: [{ acltype: 'publishClientSend', topic: '$CONTROL/dynamic-security/#', priority: 0, allow: true }] }],
};

describe('the dynamic-security model', () => {
  it('simulates a device client batch as the plugin applies it', () => {
    const { state, errors } = simulate(admin, deviceClientCommands('FRIDGE-1', ['pharma/FRIDGE-1/#']));
    expect(errors).toEqual([]);
    expect(state.clients.map((c) => c.username)).toEqual(['FRIDGE-1', 'admin']);
    expect(state.clients[0].roles).toEqual([{ rolename: 'device-FRIDGE-1', priority: -1 }]);
    expect(state.roles.find((r) => r.rolename === 'device-FRIDGE-1')?.acls).toEqual([{ acltype: 'publishClientSend', topic: 'pharma/FRIDGE-1/#', priority: 0, allow: true }]);
  });

  it('names the command the broker would refuse, counting from 1', () => {
    const { errors } = simulate(admin, [{ command: 'createRole', rolename: 'x' }, { command: 'createRole', rolename: 'x' }, { command: 'addClientRole', username: 'ghost', rolename: 'x' }]);
    expect(errors).toEqual(['2. createRole: role x already exists', '3. addClientRole: client ghost not found']);
  });

  it('deleting a role takes it from its clients too', () => {
    const { state } = simulate(admin, [{ command: 'deleteRole', rolename: 'admin' }]);
    expect(state.clients[0].roles).toEqual([]);
  });

  it('equal configurations hash alike whatever their order; any difference is named', () => {
    const shuffled: TBrokerState = { ...admin, roles: [...admin.roles].reverse(), clients: [...admin.clients].reverse() };
    expect(stateHash(shuffled).equals(stateHash(admin))).toBe(true);
    const changed = simulate(admin, [
      { command: 'createClient', username: 'intruder' },
      { command: 'addRoleACL', rolename: 'admin', acltype: 'subscribePattern', topic: '#', allow: true },
      { command: 'setDefaultACLAccess', acltype: 'subscribe', allow: true },
      { command: 'disableClient', username: 'admin' },
    ]).state;
    expect(diffStates(admin, changed).map((d) => `${d.subject}: ${d.change}`)).toEqual([
      'client intruder: added',
      'client admin: changed',
      'role admin: changed',
      'default access subscribe: changed',
    ]);
    expect(diffStates(admin, admin)).toEqual([]);
  });

  it('refuses topic filters the broker refuses', () => {
    expect(aclTopicError('subscribePattern', 'pharma/#')).toBeNull();
    expect(aclTopicError('subscribePattern', 'pharma/+/temp')).toBeNull();
    expect(aclTopicError('subscribeLiteral', '$share/custos/pharma/#')).toBeNull();
    expect(aclTopicError('subscribePattern', 'a/#/b')).toMatch('# only as the last level');
    expect(aclTopicError('subscribePattern', 'a/b#')).toMatch('# only as the last level');
    expect(aclTopicError('publishClientSend', 'a/x+')).toMatch('+ only as a whole level');
    expect(aclTopicError('subscribeLiteral', '$share/g')).toMatch('$share/<group>/<filter>');
  });
});
