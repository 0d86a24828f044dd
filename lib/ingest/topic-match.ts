/** MQTT topic filter matching (+ one level, # the rest). An empty allow-list allows any topic. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export function topicAllowed(allowed: string[], topic: string): boolean {
  return allowed.length === 0 || allowed.some((f) => topicMatches(f, topic));
}
