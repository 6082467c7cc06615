/**
 * Idempotent creation (issue 15): `invoice` and `holdinvoice` take an `idempotency_key`. The first call
 * stores the key with its invoice, with a SHA-256 fingerprint of the call's command and parameters, in
 * the creating transaction. A later call with the same key and the same parameters is answered from the
 * stored invoice, so its answer is the first one's, byte for byte (also after a restart, or when the first
 * answer was lost): the warnings it answered are stored with the key, and the payment secret is read from
 * the invoice string (a hold invoice's settle replaces the preimage it was derived from); with other parameters it is refused, naming the first call's label. The key goes with
 * its invoice (a deleted invoice frees it).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../util/bytes.js';
import { toHex } from '../util/hex.js';
import type { CreateExtension, CreateWarnings } from './engine-hooks.js';
import { InvoiceError } from './errors.js';
import * as store from './store/store.js';

/** Most bytes of a key. */
export const MAX_IDEMPOTENCY_KEY_BYTES = 128;

/** Checks a key's size. @throws InvoiceError('InvalidParams') naming `idempotency_key`. */
export function checkIdempotencyKey(key: string): void {
  const n = Buffer.byteLength(key);
  if (n === 0 || n > MAX_IDEMPOTENCY_KEY_BYTES) {
    throw new InvoiceError('InvalidParams', `idempotency_key: should be 1 to ${MAX_IDEMPOTENCY_KEY_BYTES} bytes`, {
      param: 'idempotency_key',
    });
  }
}

/** One canonical text of a value: object keys sorted, bigints and bytes tagged, undefined members left out. */
function canonical(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'bigint') return `"n:${v}"`;
  if (v instanceof Uint8Array) return `"x:${toHex(v)}"`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The fingerprint of one call: its command and every parameter but the key. */
export function fingerprint(command: string, params: Readonly<Record<string, unknown>>): Uint8Array {
  return sha256(new TextEncoder().encode(canonical({ command, params })));
}

/** The stored warnings (a JSON array of [name, text], as `after` writes them). */
function readWarnings(text: string): CreateWarnings {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v) || !v.every((w) => Array.isArray(w) && w.length === 2 && w.every((x) => typeof x === 'string'))) {
    throw new Error('invoices.idempotency_warnings: not an array of [name, text] pairs');
  }
  return v as Array<[string, string]>;
}

/** The create steps: look the key up first, store it with the new invoice after. */
export function idempotencyExtension(key: string, print: Uint8Array): CreateExtension {
  checkIdempotencyKey(key);
  return {
    async before(tx) {
      const r = await tx.db.selectFrom('invoices').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
      if (!r) return undefined;
      const first = store.rowToInvoice(r);
      if (r.idempotency_fingerprint && equalBytes(new Uint8Array(r.idempotency_fingerprint), print)) {
        return { invoice: first, ...(r.idempotency_warnings != null ? { warnings: readWarnings(r.idempotency_warnings) } : {}) };
      }
      throw new InvoiceError(
        'InvalidParams',
        `idempotency_key: already used with other parameters by the invoice labelled '${first.label}'`,
        { param: 'idempotency_key' },
      );
    },
    async after(tx, inv, warnings) {
      const r = await tx.db
        .updateTable('invoices')
        .set({ idempotency_key: key, idempotency_fingerprint: print, idempotency_warnings: JSON.stringify(warnings) } as never)
        .where('created_index', '=', inv.created_index)
        .returningAll()
        .executeTakeFirstOrThrow();
      return store.rowToInvoice(r);
    },
  };
}
