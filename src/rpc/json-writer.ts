/**
 * The JSON writer of the RPC layer: like `JSON.stringify` without indentation, except that
 * - a `bigint` is written as a plain JSON number (DESIGN rule 3: amounts are numbers on the wire, also
 *   above 2^53, as CLN writes them);
 * - a `RawJson` is written verbatim (the request's `id` token is echoed exactly as received);
 * - `undefined` members are left out (so formatters can write `x: cond ? v : undefined`), and
 *   non-finite numbers, which JSON cannot carry, are written as `null`.
 */

/** Already-serialised JSON text, written as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Serialises `value`.
 * @example writeJson({ amount_msat: 2n ** 64n - 1n }) === '{"amount_msat":18446744073709551615}'
 */
export function writeJson(value: unknown): string {
  return write(value, 0);
}

const MAX_DEPTH = 1000;

// Strings are built by concatenation (V8 joins them lazily) rather than collected in an array: a page of
// 1000 invoices is serialised about twice as fast (see docs/performance.md).
function write(v: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw new RangeError('writeJson: value nested too deeply (cycle?)');
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'bigint':
      return v.toString();
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return 'null';
  }
  if (v === null) return 'null';
  if (v instanceof RawJson) return v.text;
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i) out += ',';
      out += write(v[i], depth + 1);
    }
    return out + ']';
  }
  let out = '{';
  let first = true;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const x = o[k];
    if (x === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += keyText(k) + write(x, depth + 1);
  }
  return out + '}';
}

/** `"key":` for each member name seen (the same few dozen names every answer has), escaped once. */
const KEYS = new Map<string, string>();
const MAX_KEYS = 4096;

function keyText(k: string): string {
  let t = KEYS.get(k);
  if (t === undefined) {
    t = JSON.stringify(k) + ':';
    // Names come from formatters, and from clients only inside metadata (RawJson, written as is): a bound
    // keeps anything else from growing the map.
    if (KEYS.size < MAX_KEYS) KEYS.set(k, t);
  }
  return t;
}
