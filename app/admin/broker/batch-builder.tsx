'use client';

import { useActionState, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { DisabledButton } from '@/components/ui/disabled-button';
import { Field } from '@/components/ui/field';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { ACL_TYPES, DEFAULT_ACL_TYPES, ZDynsecCommand, aclTopicError, describeCommand, deviceClientCommands, type TDynsecCommand } from '@/lib/broker/dynsec-commands';
import { requestBrokerChangeAction, type TBrokerChangeState } from './actions';

// The batch is built here and checked again on the server, which computes what it does to the
// approved baseline; the approver sees that diff and the exact commands.

const COMMANDS: Array<{ value: TDynsecCommand['command']; label: string; fields: string[] }> = [
  { value: 'createClient', label: 'Create client (generated password)', fields: ['username', 'textname', 'clientid'] },
  { value: 'setClientPassword', label: 'New generated password', fields: ['username'] },
  { value: 'addClientRole', label: 'Give a client a role', fields: ['username', 'rolename', 'priority'] },
  { value: 'removeClientRole', label: 'Take a role from a client', fields: ['username', 'rolename'] },
  { value: 'disableClient', label: 'Disable client', fields: ['username'] },
  { value: 'enableClient', label: 'Enable client', fields: ['username'] },
  { value: 'deleteClient', label: 'Delete client', fields: ['username'] },
  { value: 'createRole', label: 'Create role', fields: ['rolename', 'textname'] },
  { value: 'addRoleACL', label: 'Add a topic ACL to a role', fields: ['rolename', 'acltype', 'topic', 'allow', 'priority'] },
  { value: 'removeRoleACL', label: 'Remove a topic ACL from a role', fields: ['rolename', 'acltype', 'topic'] },
  { value: 'deleteRole', label: 'Delete role', fields: ['rolename'] },
  { value: 'setDefaultACLAccess', label: 'Default access', fields: ['defaultacl', 'allow'] },
];

export function BatchBuilder({ disabledReason, adoption, devicesWithoutClient }: { disabledReason: string | null; adoption: boolean; devicesWithoutClient: Array<{ id: string; topics: string[] }> }) {
  const allowed = disabledReason === null;
  const [state, action, pending] = useActionState<TBrokerChangeState, FormData>(requestBrokerChangeAction, {});
  const [batch, setBatch] = useState<TDynsecCommand[]>([]);
  const [kind, setKind] = useState<TDynsecCommand['command']>('createClient');
  const [error, setError] = useState<string | null>(null);
  const fields = COMMANDS.find((c) => c.value === kind)!.fields;

  function add(form: HTMLFormElement) {
    const f = new FormData(form);
    const get = (k: string) => String(f.get(k) ?? '').trim();
    const raw: Record<string, unknown> = { command: kind };
    for (const k of fields) {
      const v = get(k);
      if (k === 'allow') raw.allow = v !== 'deny';
      else if (k === 'priority') {
        if (v) raw.priority = Number(v);
      } else if (k === 'defaultacl') raw.acltype = v;
      else if (v || k === 'username' || k === 'rolename' || k === 'topic' || k === 'acltype') raw[k] = v;
    }
    const parsed = ZDynsecCommand.safeParse(raw);
    if (!parsed.success) return setError(parsed.error.issues[0].message);
    const c = parsed.data;
    const topicError = c.command === 'addRoleACL' ? aclTopicError(c.acltype, c.topic) : null;
    if (topicError) return setError(topicError);
    setError(null);
    setBatch((b) => [...b, c]);
  }

  return (
    <div className="grid gap-4">
      {devicesWithoutClient.length > 0 && (
        <div className="grid gap-2">
          <p className="text-sm text-slate-700">Devices without a broker client (by default each device gets one, publishing only to its own topics):</p>
          <div className="flex flex-wrap gap-2">
            {devicesWithoutClient.slice(0, 20).map((d) => (
              <Button key={d.id} size="sm" variant="secondary" disabled={!allowed} onClick={() => setBatch((b) => [...b, ...deviceClientCommands(d.id, d.topics)])}>
                + Client for {d.id}
              </Button>
            ))}
          </div>
        </div>
      )}
      <form
        className="grid gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault();
          add(e.currentTarget);
        }}
      >
        <Select label="Command" name="command" value={kind} onChange={(e) => setKind(e.target.value as TDynsecCommand['command'])} options={COMMANDS} disabled={!allowed} />
        {fields.includes('username') && <Field label="Client (username)" name="username" required disabled={!allowed} autoComplete="off" />}
        {fields.includes('rolename') && <Field label="Role" name="rolename" required disabled={!allowed} autoComplete="off" />}
        {fields.includes('acltype') && <Select label="ACL type" name="acltype" options={ACL_TYPES.map((a) => ({ value: a, label: a }))} disabled={!allowed} />}
        {fields.includes('defaultacl') && <Select label="Access" name="defaultacl" options={DEFAULT_ACL_TYPES.map((a) => ({ value: a, label: a }))} disabled={!allowed} />}
        {fields.includes('topic') && <Field label="Topic or filter" name="topic" required disabled={!allowed} hint="$share/<group>/<filter> for a shared subscription" autoComplete="off" />}
        {fields.includes('allow') && <Select label="Decision" name="allow" options={[{ value: 'allow', label: 'Allow' }, { value: 'deny', label: 'Deny' }]} disabled={!allowed} />}
        {fields.includes('textname') && <Field label="Description (optional)" name="textname" disabled={!allowed} />}
        {fields.includes('clientid') && <Field label="Client ID (optional)" name="clientid" disabled={!allowed} hint="Only this MQTT client id may use the account" />}
        {fields.includes('priority') && <Field label="Priority (optional)" name="priority" type="number" disabled={!allowed} />}
        <div className="flex items-end sm:col-span-3">
          {allowed ? (
            <Button type="submit" variant="secondary" size="sm">
              Add to batch
            </Button>
          ) : (
            <DisabledButton variant="secondary" reason={disabledReason ?? ''}>
              Add to batch
            </DisabledButton>
          )}
          {error && (
            <span role="alert" className="ml-3 text-sm text-red-700">
              {error}
            </span>
          )}
        </div>
      </form>

      <form action={action} className="grid gap-3">
        <input type="hidden" name="commands" value={JSON.stringify(batch)} />
        {batch.length === 0 ? (
          <p className="text-sm text-slate-600">{adoption ? 'The batch is empty: submitting it asks for approval to adopt the broker as it is now.' : 'The batch is empty.'}</p>
        ) : (
          <ol className="grid gap-1 text-sm" aria-label="Command batch">
            {batch.map((c, i) => (
              <li key={i} className="flex items-center justify-between gap-3 rounded border border-slate-100 px-2 py-1">
                <span>
                  <span className="mr-2 font-mono text-xs text-slate-500">{i + 1}.</span>
                  {describeCommand(c)}
                </span>
                <Button size="sm" variant="ghost" onClick={() => setBatch((b) => b.filter((_, k) => k !== i))} aria-label={`Remove command ${i + 1}`}>
                  Remove
                </Button>
              </li>
            ))}
          </ol>
        )}
        <Textarea label="Reason for the change" name="reason" required rows={2} disabled={!allowed} error={state.fieldErrors?.reason} />
        {state.error && <Alert tone="danger">{state.error}</Alert>}
        <div>
          {allowed ? (
            <Button type="submit" disabled={pending || (!adoption && batch.length === 0)}>
              {pending ? 'Submitting…' : adoption && batch.length === 0 ? 'Request adoption of the broker' : 'Submit for approval'}
            </Button>
          ) : (
            <DisabledButton variant="primary" reason={disabledReason ?? ''}>
              Submit for approval
            </DisabledButton>
          )}
        </div>
      </form>
    </div>
  );
}
