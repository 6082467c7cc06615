/**
 * Invoice metadata (issue 15): a client's JSON object of at most 4 KiB, stored as is with the invoice,
 * returned by `listinvoices`, never put in the invoice string (payers never see it). Its top-level
 * members are repeated in `invoice_metadata` (key, value as text), so `listinvoices metadata_key=K
 * metadata_value=V` finds invoices through an index on both databases. Both go with the invoice
 * (ON DELETE CASCADE).
 */
import type { Kysely } from 'kysely';
import type { InvoiceDb } from './store/schema.js';
import type { CreateExtension, EngineHooks } from './engine-hooks.js';
import { InvoiceError } from './errors.js';
import type { Invoice } from './invoice.js';
import * as store from './store/store.js';

/** Most bytes of a serialised metadata object. */
export const MAX_METADATA_BYTES = 4096;

/** A metadata object: its stored text, and its top-level members with their values as text. */
export interface Metadata {
  readonly text: string;
  /** [key, value]: a string value as itself, any other value as its JSON text. */
  readonly entries: ReadonlyArray<readonly [string, string]>;
}

/** Builds a Metadata, checking the size. @throws InvoiceError('InvalidParams') naming `metadata`. */
export function metadata(text: string, entries: ReadonlyArray<readonly [string, string]>): Metadata {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_METADATA_BYTES) {
    throw new InvoiceError('InvalidParams', `metadata: should be at most ${MAX_METADATA_BYTES} bytes serialised, not ${bytes}`, {
      param: 'metadata',
    });
  }
  // The parameter refuses a repeated key (params-merchant.ts); a caller that passes one gets the last.
  const byKey = new Map(entries.map(([k, v]) => [k, v] as const));
  return Object.freeze({ text, entries: [...byKey] });
}

type Db = Kysely<InvoiceDb>;

/** Writes `meta` (or removes the metadata) of one invoice, with `updated_index` when it is a change. */
async function writeMetadata(db: Db, created_index: number, meta: Metadata | undefined, updated_index?: number): Promise<Invoice> {
  await db.deleteFrom('invoice_metadata').where('created_index', '=', created_index).execute();
  if (meta && meta.entries.length > 0) {
    await db
      .insertInto('invoice_metadata')
      .values(meta.entries.map(([key, value]) => ({ created_index, key, value })))
      .execute();
  }
  const row = await db
    .updateTable('invoices')
    .set({ metadata: meta?.text ?? null, ...(updated_index !== undefined ? { updated_index } : {}) })
    .where('created_index', '=', created_index)
    .returningAll()
    .executeTakeFirstOrThrow();
  return store.rowToInvoice(row);
}

/** The create step that stores `meta` with a new invoice (no bump: it is part of the creation). */
export function metadataExtension(meta: Metadata): CreateExtension {
  return { after: (tx, inv) => writeMetadata(tx.db, inv.created_index, meta) };
}

const unknownInvoice = () => new InvoiceError('InvoiceNotFound', 'Unknown invoice');

/** `check setinvoicemetadata`: the set's refusal (905) on the invoice the label finds, read outside the write. */
export function checkSetInvoiceMetadata(inv: Invoice | undefined): void {
  if (!inv) throw unknownInvoice();
}

/**
 * `setinvoicemetadata label [metadata]`: replaces (or, without one, removes) an invoice's metadata, with
 * an `updated` bump whose `wait` details carry the label and the new metadata.
 */
export function setInvoiceMetadata(hooks: EngineHooks, label: string, meta: Metadata | undefined): Promise<Invoice> {
  return hooks.write(async (tx) => {
    const inv = await store.findByLabel(tx.db, label);
    if (!inv) throw unknownInvoice();
    const value = await hooks.nextUpdated(tx);
    const row = await writeMetadata(tx.db, inv.created_index, meta, value);
    hooks.bumpUpdated(tx, 'metadata_set', row, value);
    return row;
  });
}
