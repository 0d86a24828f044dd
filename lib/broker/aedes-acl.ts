import type { TAcl, TBrokerState } from '@/lib/broker/dynsec-model';
import { topicMatches } from '@/lib/ingest/topic-match';

// The dynamic-security model evaluated in-process, for the embedded Aedes broker of an
// evaluation install (its authorizePublish / authorizeSubscribe hooks). Same rules as the
// plugin: the client's roles in priority order (higher first), each role's ACLs in priority order,
// the first ACL of the right type that matches decides; none matches: the default access.
// Aedes has no control API, persistence or log topics: Custos can neither change nor read it back.

/** Whether a requested subscription filter lies within an ACL pattern (a + or # asked for must be allowed as such). */
export function patternCovers(pattern: string, requested: string): boolean {
  const p = pattern.split('/');
  const r = requested.split('/');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '#') return true;
    if (i >= r.length) return false;
    if (r[i] === '#') return false;
    if (p[i] !== '+' && p[i] !== r[i]) return false;
  }
  return p.length === r.length;
}

function orderedAcls(state: TBrokerState, username: string | null): TAcl[] | null {
  const client = username ? state.clients.find((c) => c.username === username) : undefined;
  if (!client || client.disabled) return null;
  return [...client.roles]
    .sort((a, b) => b.priority - a.priority)
    .flatMap((r) => [...(state.roles.find((x) => x.rolename === r.rolename)?.acls ?? [])].sort((a, b) => b.priority - a.priority));
}

export function brokerAcl(state: TBrokerState) {
  return {
    /** An unknown or disabled client may do nothing. */
    mayPublish(username: string | null, topic: string): boolean {
      const acls = orderedAcls(state, username);
      if (!acls) return false;
      const hit = acls.find((a) => a.acltype === 'publishClientSend' && topicMatches(a.topic, topic));
      return hit ? hit.allow : state.defaultACLAccess.publishClientSend;
    },
    maySubscribe(username: string | null, filter: string): boolean {
      const acls = orderedAcls(state, username);
      if (!acls) return false;
      const hit = acls.find((a) => (a.acltype === 'subscribeLiteral' && a.topic === filter) || (a.acltype === 'subscribePattern' && patternCovers(a.topic, filter)));
      return hit ? hit.allow : state.defaultACLAccess.subscribe;
    },
  };
}

interface TAedesClient {
  id: string;
  /** Set by the embedding code's authenticate hook. */
  custosUsername?: string;
}

/** Aedes' hook signatures, for `new Aedes({ authorizePublish, authorizeSubscribe })`. */
export function aedesHooks(state: TBrokerState) {
  const acl = brokerAcl(state);
  return {
    authorizePublish(client: TAedesClient | null, packet: { topic: string }, done: (err?: Error | null) => void) {
      done(acl.mayPublish(client?.custosUsername ?? null, packet.topic) ? null : new Error('not authorised'));
    },
    authorizeSubscribe(client: TAedesClient | null, sub: { topic: string; qos: number }, done: (err: Error | null, sub?: { topic: string; qos: number } | null) => void) {
      // Aedes refuses a subscription when the callback returns no subscription (SUBACK 0x80).
      done(null, acl.maySubscribe(client?.custosUsername ?? null, sub.topic) ? sub : null);
    },
  };
}
