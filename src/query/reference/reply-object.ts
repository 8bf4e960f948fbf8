// Reply objects whose keys are user data (segment values, event and property names). They have no
// prototype, so a segment named `__proto__` or `constructor` is an ordinary key and nothing can
// reach Object.prototype; JSON.stringify writes them like any object.

export type Keyed<V> = Record<string, V>;

export function keyed<V>(entries: Iterable<readonly [string, V]>): Keyed<V> {
  const out: Keyed<V> = Object.create(null);
  for (const [key, value] of entries) out[key] = value;
  return out;
}
