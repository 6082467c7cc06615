/**
 * Parameter parsers of the merchant extensions (issue 15): `idempotency_key` and `metadata`. Types only;
 * the sizes are the invoice module's rules, checked here so the binder reports them in its own form.
 */
import { MAX_IDEMPOTENCY_KEY_BYTES } from '../invoice/idempotency.js';
import { MAX_METADATA_BYTES, metadata, type Metadata } from '../invoice/metadata.js';
import { toPlain } from './json-reader.js';
import { writeJson } from './json-writer.js';
import { fail, type Parser } from './params.js';

/** A string of 1 to 128 bytes. */
export const idempotencyKey: Parser<string> = (node) => {
  if (node.kind !== 'string') return fail('should be a string');
  const n = Buffer.byteLength(node.value);
  return n > 0 && n <= MAX_IDEMPOTENCY_KEY_BYTES ? node.value : fail(`should be 1 to ${MAX_IDEMPOTENCY_KEY_BYTES} bytes`);
};

/** A JSON object of at most 4 KiB once serialised (compactly, as it is stored). */
export const metadataObject: Parser<Metadata> = (node) => {
  if (node.kind !== 'object') return fail('should be a JSON object');
  const text = writeJson(toPlain(node));
  if (Buffer.byteLength(text) > MAX_METADATA_BYTES) return fail(`should be at most ${MAX_METADATA_BYTES} bytes serialised`);
  const entries = node.members.map(([k, v]) => [k, v.kind === 'string' ? v.value : writeJson(toPlain(v))] as const);
  return metadata(text, entries);
};
