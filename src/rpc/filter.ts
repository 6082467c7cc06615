/**
 * The `filter` request member (reference §1.6, CLN's common/json_filter.c): an object template whose
 * leaves are `true`; an array in the template has exactly one element, applied to every element of the
 * result's array. Only `result` is filtered, never errors. Member order is the result's. Template
 * members the result lacks are ignored. Where the template has an object and the result an array (or
 * the reverse) the member is left out and the result gains `"warning_parameter_filter":
 * "<path> is an array"` (or "is an object"); `<path>` is the member's keys from the top, each preceded by
 * a dot (`.invoices.fallbacks`; array elements add nothing).
 */
import type { JsonNode } from './json-reader.js';

/** A parsed template. */
export type Filter = true | { readonly kind: 'object'; readonly fields: ReadonlyMap<string, Filter> } | { readonly kind: 'array'; readonly element: Filter };

/** Parses a template; a string is the REASON for `filter: REASON: invalid token …`. */
export function parseFilter(node: JsonNode): Filter | string {
  if (node.kind !== 'object') return 'Expected object';
  return parseNode(node);
}

function parseNode(node: JsonNode): Filter | string {
  switch (node.kind) {
    case 'bool':
      return node.value ? true : 'value must be true';
    case 'object': {
      const fields = new Map<string, Filter>();
      for (const [k, v] of node.members) {
        const f = parseNode(v);
        if (typeof f === 'string') return f;
        fields.set(k, f);
      }
      return { kind: 'object', fields };
    }
    case 'array': {
      if (node.items.length !== 1) return 'Arrays can only have one element';
      const f = parseNode(node.items[0]!);
      return typeof f === 'string' ? f : { kind: 'array', element: f };
    }
    default:
      return 'value must be true';
  }
}

/** Applies `filter` to a result; adds `warning_parameter_filter` on the first shape mismatch. */
export function applyFilter(result: unknown, filter: Filter): unknown {
  const warnings: string[] = [];
  const out = apply(result, filter, '', warnings);
  if (warnings.length > 0 && isPlainObject(out)) out['warning_parameter_filter'] = warnings[0];
  return out;
}

const OMIT = Symbol('omit');

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function apply(value: unknown, filter: Filter, path: string, warnings: string[]): unknown {
  if (filter === true) return value;
  if (filter.kind === 'object') {
    if (Array.isArray(value)) {
      warnings.push(`${path} is an array`);
      return OMIT;
    }
    if (!isPlainObject(value)) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const f = filter.fields.get(k);
      if (f === undefined || v === undefined) continue;
      const x = apply(v, f, `${path}.${k}`, warnings);
      if (x !== OMIT) out[k] = x;
    }
    return out;
  }
  if (isPlainObject(value)) {
    warnings.push(`${path} is an object`);
    return OMIT;
  }
  if (!Array.isArray(value)) return value;
  const out: unknown[] = [];
  for (const v of value) {
    const x = apply(v, filter.element, path, warnings);
    if (x !== OMIT) out.push(x);
  }
  return out;
}
