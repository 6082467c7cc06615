/**
 * The offer store: Kysely queries only (STYLE 6), over the `offers` and `invoicerequests` tables of
 * migrations/0002-offers.ts, in the SQL SQLite and PostgreSQL share. No rules: the offer engine decides.
 * Status changes are guarded single statements on CLN's status bits (reference §4.13), so two daemons on
 * one PostgreSQL database cannot both disable (or enable) the same offer.
 */
import { sql, type ColumnType, type Kysely, type Selectable } from 'kysely';
import type { DbInt } from '../invoice/store/schema.js';

type Immutable<T> = ColumnType<T, T, never>;

/** Columns both tables share: the string, label, description, status bits, creation time. */
type Bolt12Columns = {
  bolt12: Immutable<string>;
  label: Immutable<string | null>;
  description: Immutable<string | null>;
  status: ColumnType<number, number, number>;
  created_at: ColumnType<DbInt, number, never>;
};

export type OffersTable = Bolt12Columns & {
  offer_id: Immutable<Uint8Array>;
  /** Migration 0005 (offer-extras.ts). */
  metadata: ColumnType<string | null, string | null | undefined, string | null>;
  idempotency_key: ColumnType<string | null, string | null | undefined, never>;
  idempotency_fingerprint: ColumnType<Uint8Array | null, Uint8Array | null | undefined, never>;
};
export type InvoiceRequestsTable = Bolt12Columns & { invreq_id: Immutable<Uint8Array> };

/** The tables of this store (a type alias, not an interface: `withTables` wants an indexable record). */
export type OfferTables = {
  offers: OffersTable;
  invoicerequests: InvoiceRequestsTable;
};

/** Any Kysely handle on the database (the pool, or a write transaction's connection). */
// `any`: the handle's own table map does not matter here; withTables adds ours.
export type AnyKysely = Kysely<any>;
type Db = Kysely<OfferTables>;
const on = (db: AnyKysely): Db => db.withTables<OfferTables>() as unknown as Db;

/** CLN's status bits (lightningd/offer.c; reference §4.13). */
export const STATUS = { active: 1, single_use: 2, used: 4 } as const;

/** One stored offer or invoice_request, its id under `id`. */
export interface Bolt12Record {
  readonly id: Uint8Array;
  readonly bolt12: string;
  readonly label?: string;
  readonly description?: string;
  readonly status: number;
  readonly created_at: number;
  /** Offers: the client's metadata object as stored JSON text. */
  readonly metadata?: string;
}

type Row = Selectable<OffersTable> | Selectable<InvoiceRequestsTable>;

export function toRecord(r: Row): Bolt12Record {
  const id = 'offer_id' in r ? r.offer_id : r.invreq_id;
  return Object.freeze({
    id: new Uint8Array(id),
    bolt12: r.bolt12,
    ...(r.label !== null ? { label: r.label } : {}),
    ...(r.description !== null ? { description: r.description } : {}),
    status: Number(r.status),
    created_at: Number(r.created_at),
    ...('metadata' in r && r.metadata !== null ? { metadata: r.metadata } : {}),
  });
}

/** A new row: exactly the record it will read back as. */
export type NewBolt12Row = Bolt12Record;

function values(r: NewBolt12Row) {
  return {
    bolt12: r.bolt12,
    label: r.label ?? null,
    description: r.description ?? null,
    status: r.status,
    created_at: r.created_at,
  };
}

/** Each table's id column. Everything else about the two tables is the same, and so are these queries. */
const ID_COLUMN = { offers: 'offer_id', invoicerequests: 'invreq_id' } as const;
type Table = keyof typeof ID_COLUMN;

const IS_ACTIVE = sql<boolean>`(status & 1) = 1`;

async function findRow(db: AnyKysely, table: Table, id: Uint8Array): Promise<Bolt12Record | undefined> {
  const row = await on(db).selectFrom(table).selectAll().where(ID_COLUMN[table], '=', id).executeTakeFirst();
  return row && toRecord(row);
}

/** Rows in creation order, optionally only active ones. */
async function listRows(db: AnyKysely, table: Table, activeOnly: boolean): Promise<Bolt12Record[]> {
  let q = on(db).selectFrom(table).selectAll();
  if (activeOnly) q = q.where(IS_ACTIVE);
  return (await q.orderBy('created_at', 'asc').orderBy(ID_COLUMN[table], 'asc').execute()).map(toRecord);
}

/** Guarded active → inactive; undefined when the row is not active (or unknown). */
async function disableRow(db: AnyKysely, table: Table, id: Uint8Array): Promise<Bolt12Record | undefined> {
  const row = await on(db)
    .updateTable(table)
    .set({ status: sql<number>`status - 1` })
    .where(ID_COLUMN[table], '=', id)
    .where(IS_ACTIVE)
    .returningAll()
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Inserts an offer unless one with that id exists; returns the new record, or undefined on a clash. */
export async function insertOffer(db: AnyKysely, r: NewBolt12Row): Promise<Bolt12Record | undefined> {
  const row = await on(db)
    .insertInto('offers')
    .values({ offer_id: r.id, ...values(r) })
    .onConflict((oc) => oc.column('offer_id').doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function findOffer(db: AnyKysely, offer_id: Uint8Array): Promise<Bolt12Record | undefined> {
  return findRow(db, 'offers', offer_id);
}

/** Offers in creation order, optionally only active ones. */
export async function listOffers(db: AnyKysely, activeOnly: boolean): Promise<Bolt12Record[]> {
  return listRows(db, 'offers', activeOnly);
}

/** Guarded active → inactive; undefined when the offer is not active (or unknown). */
export async function disableOffer(db: AnyKysely, offer_id: Uint8Array): Promise<Bolt12Record | undefined> {
  return disableRow(db, 'offers', offer_id);
}

/** Guarded inactive → active, never for a used single-use offer; undefined when refused. */
export async function enableOffer(db: AnyKysely, offer_id: Uint8Array): Promise<Bolt12Record | undefined> {
  const row = await on(db)
    .updateTable('offers')
    .set({ status: sql<number>`status + 1` })
    .where('offer_id', '=', offer_id)
    .where(sql<boolean>`(status & 1) = 0`)
    .where('status', '<>', STATUS.single_use | STATUS.used)
    .returningAll()
    .executeTakeFirst();
  return row && toRecord(row);
}

/**
 * Marks an offer used; a single-use offer also becomes inactive (status 6, reference §4.13). Returns the
 * record as it is now, or undefined for an unknown offer.
 */
export async function markOfferUsed(db: AnyKysely, offer_id: Uint8Array): Promise<Bolt12Record | undefined> {
  const row = await on(db)
    .updateTable('offers')
    .set({ status: sql<number>`case when (status & 2) = 2 then 6 else (status | 4) end` })
    .where('offer_id', '=', offer_id)
    .returningAll()
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Inserts an invoice_request (ids are unique: each has fresh random invreq_metadata). */
export async function insertInvoiceRequest(db: AnyKysely, r: NewBolt12Row): Promise<Bolt12Record> {
  const row = await on(db)
    .insertInto('invoicerequests')
    .values({ invreq_id: r.id, ...values(r) })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

export async function findInvoiceRequest(db: AnyKysely, invreq_id: Uint8Array): Promise<Bolt12Record | undefined> {
  return findRow(db, 'invoicerequests', invreq_id);
}

export async function listInvoiceRequests(db: AnyKysely, activeOnly: boolean): Promise<Bolt12Record[]> {
  return listRows(db, 'invoicerequests', activeOnly);
}

/** Guarded active → inactive of an invoice_request. */
export async function disableInvoiceRequest(db: AnyKysely, invreq_id: Uint8Array): Promise<Bolt12Record | undefined> {
  return disableRow(db, 'invoicerequests', invreq_id);
}
