/**
 * Parameter parsers of the merchant extensions (issue 15): `idempotency_key` and `metadata`. Types only;
 * the sizes are the invoice module's rules, checked here so the binder reports them in its own form.
 * Every string (the key; metadata's keys and string values, at any depth) passes the text checks of the
 * other string parameters (`badText`: valid Unicode, no NUL), so both databases store it as it is.
 */
import { MAX_IDEMPOTENCY_KEY_BYTES } from '../invoice/idempotency.js';
import { MAX_METADATA_BYTES, metadata, type Metadata } from '../invoice/metadata.js';
import type { JsonNode } from './json-reader.js';
import { writeJson } from './json-writer.js';
import { badText, fail, type Parser } from './params.js';

/** A string of 1 to 128 bytes. */
export const idempotencyKey: Parser<string> = (node) => {
  if (node.kind !== 'string') return fail('should be a string');
  const bad = badText(node.value);
  if (bad !== undefined) return fail(bad);
  const n = Buffer.byteLength(node.value);
  return n > 0 && n <= MAX_IDEMPOTENCY_KEY_BYTES ? node.value : fail(`should be 1 to ${MAX_IDEMPOTENCY_KEY_BYTES} bytes`);
};

/** Why a metadata value cannot be stored, if it cannot: a string `badText` refuses, or a repeated key. */
function badMetadata(node: JsonNode): string | undefined {
  switch (node.kind) {
    case 'string':
      return badText(node.value);
    case 'array':
      for (const item of node.items) {
        const bad = badMetadata(item);
        if (bad !== undefined) return bad;
      }
      return undefined;
    case 'object': {
      const keys = new Set<string>();
      for (const [k, v] of node.members) {
        const bad = badText(k) ?? (keys.has(k) ? `should not repeat a key (${writeJson(k)})` : badMetadata(v));
        if (bad !== undefined) return bad;
        keys.add(k);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A value's compact JSON text, numbers exactly as sent (`1.50` stays `1.50`, `-0` stays `-0`). */
function compact(node: JsonNode): string {
  switch (node.kind) {
    case 'object':
      return `{${node.members.map(([k, v]) => `${writeJson(k)}:${compact(v)}`).join(',')}}`;
    case 'array':
      return `[${node.items.map(compact).join(',')}]`;
    case 'number':
      return node.text;
    case 'string':
    case 'bool':
      return writeJson(node.value);
    case 'null':
      return 'null';
  }
}

/**
 * A JSON object of at most 4 KiB once serialised (compactly, as it is stored, with each number's text as
 * sent), without a repeated key at any depth.
 */
export const metadataObject: Parser<Metadata> = (node) => {
  if (node.kind !== 'object') return fail('should be a JSON object');
  const bad = badMetadata(node);
  if (bad !== undefined) return fail(bad);
  const text = compact(node);
  if (Buffer.byteLength(text) > MAX_METADATA_BYTES) return fail(`should be at most ${MAX_METADATA_BYTES} bytes serialised`);
  const entries = node.members.map(([k, v]) => [k, v.kind === 'string' ? v.value : compact(v)] as const);
  return metadata(text, entries);
};
