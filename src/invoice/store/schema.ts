/**
 * The Kysely `Database` interface of the invoice store: one row type per table, named as the RPC names
 * its fields (DESIGN rule 7). Immutable columns are `never` on update (STYLE 5), so an engine bug that
 * tries to rewrite a payment hash or a created_index fails to compile.
 *
 * Integer columns are BIGINT in the schema; drivers hand them back as `number` (better-sqlite3) or as a
 * decimal `string` (pg), hence the `number | string | bigint` select types that the store normalises.
 * Amounts are decimal TEXT so the whole u64 msat range is kept exactly (see docs/storage.md).
 */
import type { ColumnType, Selectable } from 'kysely';

/** What a driver may return for a BIGINT column. */
export type DbInt = number | string | bigint;

type Immutable<T> = ColumnType<T, T, never>;
type IntCol = ColumnType<DbInt, number | bigint, number | bigint>;
type ImmutableInt = ColumnType<DbInt, number | bigint, never>;

export interface InvoicesTable {
  created_index: ImmutableInt;
  label: Immutable<string>;
  kind: Immutable<'bolt11' | 'bolt12'>;
  invstring: Immutable<string>;
  payment_hash: Immutable<Uint8Array>;
  payment_preimage: Immutable<Uint8Array>;
  /** Decimal msat; NULL for "any". */
  amount_msat: Immutable<string | null>;
  status: 'unpaid' | 'paid' | 'expired';
  pay_index: ColumnType<DbInt | null, number | bigint | null, number | bigint | null>;
  amount_received_msat: string | null;
  paid_at: ColumnType<DbInt | null, number | null, number | null>;
  description: string | null;
  expires_at: ImmutableInt;
  local_offer_id: Immutable<Uint8Array | null>;
  invreq_payer_note: Immutable<string | null>;
  updated_index: IntCol;
  created_at: ImmutableInt;
  /** Hold invoices only (migration 0005; src/invoice/hold/). */
  holdstate: ColumnType<HoldstateName | null, HoldstateName | null | undefined, HoldstateName>;
  htlc_expiry: ColumnType<DbInt | null, number | null | undefined, number | null>;
  /** The client's JSON object, as stored text (src/invoice/metadata.ts). */
  metadata: ColumnType<string | null, string | null | undefined, string | null>;
  idempotency_key: ColumnType<string | null, string | null | undefined, never>;
  idempotency_fingerprint: ColumnType<Uint8Array | null, Uint8Array | null | undefined, never>;
  /** The creating call's `warning_*` fields as a JSON array of [name, text] (migration 0011). */
  idempotency_warnings: ColumnType<string | null, string | null | undefined, never>;
}

/** A hold invoice's state, with the names the holdinvoice plugin uses. */
export type HoldstateName = 'OPEN' | 'ACCEPTED' | 'SETTLED' | 'CANCELED';

/** The HTLCs of an accepted hold invoice (migration 0005), removed with it. */
export interface HoldHtlcsTable {
  short_channel_id: Immutable<string>;
  id: ImmutableInt;
  payment_hash: Immutable<Uint8Array>;
  amount_msat: Immutable<string>;
  cltv_expiry: ImmutableInt;
}

/** Top-level members of an invoice's metadata, for lookups by key and value (migration 0005). */
export interface InvoiceMetadataTable {
  created_index: ImmutableInt;
  key: Immutable<string>;
  value: Immutable<string>;
}

/** The index counters and other persistent totals, one row each (see COUNTER below). */
export interface InvoiceCountersTable {
  name: Immutable<string>;
  value: IntCol;
}

/**
 * HTLCs that paid an invoice, so a replayed HTLC is recognised after a restart. Rows outlive their
 * invoice (migration 0004) and carry its preimage, so a replay is answered even after the invoice was
 * deleted.
 */
export interface InvoiceHtlcsTable {
  short_channel_id: Immutable<string>;
  id: ImmutableInt;
  payment_hash: Immutable<Uint8Array>;
  amount_msat: Immutable<string>;
  /** NULL only in theory: migration 0004 back-filled every row and new rows always carry it. */
  payment_preimage: Immutable<Uint8Array | null>;
}

export interface InvoiceDb {
  invoices: InvoicesTable;
  invoice_counters: InvoiceCountersTable;
  invoice_htlcs: InvoiceHtlcsTable;
  hold_htlcs: HoldHtlcsTable;
  invoice_metadata: InvoiceMetadataTable;
}

export type InvoiceRow = Selectable<InvoicesTable>;

/** Names of the rows of `invoice_counters`. Each holds the last value handed out (0 = none yet). */
export const COUNTER = {
  created: 'created_index',
  updated: 'updated_index',
  deleted: 'deleted_index',
  pay: 'pay_index',
  cleanedExpired: 'autoclean_expiredinvoices_cleaned',
  cleanedPaid: 'autoclean_paidinvoices_cleaned',
} as const;
export type CounterName = (typeof COUNTER)[keyof typeof COUNTER];

/**
 * The row of `invoice_counters` holding the highest block height seen in an HTLC (`getinfo.blockheight`
 * after a restart). Not a counter: it only ever rises to a height a bridge reported, and it is absent
 * until the first HTLC.
 */
export const BLOCKHEIGHT_ROW = 'blockheight';
