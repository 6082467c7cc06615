/**
 * The hold invoice queries (Kysely only, SQL shared by SQLite and PostgreSQL). Each state change is ONE
 * guarded statement checking the state it leaves (`… WHERE holdstate = 'ACCEPTED' AND status = 'unpaid'`),
 * run inside the engine's write transaction, so of a settle, a cancel, an auto-cancel and the expiry sweep
 * racing for one invoice exactly one changes it, with one daemon or several on one database.
 *
 * One function per transition (openHold, acceptHold, settleHold, cancelHold): whatever else a transition
 * must record in its transaction belongs in that function.
 */
import { sql, type Kysely } from 'kysely';
import { msat, type Msat } from '../../util/msat.js';
import type { InvoiceDb } from '../store/schema.js';
import type { Invoice } from '../invoice.js';
import { rowToInvoice, type HtlcPart } from '../store/store.js';

type Db = Kysely<InvoiceDb>;

/** One HTLC of an accepted set. */
export interface HoldHtlc extends HtlcPart {
  readonly cltv_expiry: number;
}

/** A new invoice becomes a hold invoice, OPEN (in its creating transaction; no bump: it is the creation). */
export async function openHold(db: Db, created_index: number): Promise<Invoice> {
  const r = await db
    .updateTable('invoices')
    .set({ holdstate: 'OPEN' })
    .where('created_index', '=', created_index)
    .where('holdstate', 'is', null)
    .returningAll()
    .executeTakeFirstOrThrow();
  return rowToInvoice(r);
}

/**
 * OPEN → ACCEPTED with the set's HTLCs, guarded: only an unpaid, unexpired, OPEN hold invoice. Undefined
 * when the guard fails (nothing written).
 */
export async function acceptHold(
  db: Db,
  p: { payment_hash: Uint8Array; now: number; updated_index: number; htlcs: readonly HoldHtlc[] },
): Promise<Invoice | undefined> {
  const htlc_expiry = Math.min(...p.htlcs.map((h) => h.cltv_expiry));
  const r = await db
    .updateTable('invoices')
    .set({ holdstate: 'ACCEPTED', htlc_expiry, updated_index: p.updated_index })
    .where('payment_hash', '=', p.payment_hash)
    .where('holdstate', '=', 'OPEN')
    .where('status', '=', 'unpaid')
    .where('expires_at', '>', p.now)
    .returningAll()
    .executeTakeFirst();
  if (!r) return undefined;
  await db
    .insertInto('hold_htlcs')
    .values(
      p.htlcs.map((h) => ({
        short_channel_id: h.short_channel_id,
        id: h.id,
        payment_hash: p.payment_hash,
        amount_msat: h.amount_msat.toString(),
        cltv_expiry: h.cltv_expiry,
      })),
    )
    .execute();
  return rowToInvoice(r);
}

/**
 * ACCEPTED → SETTLED, guarded, writing the preimage (a hold invoice made from its payment hash alone kept
 * only a payment-secret seed in its place until now). The caller then marks the invoice paid in the same
 * transaction (engine markPaidIn), whose own guard (unpaid, unexpired) can still refuse and roll it all
 * back. Returns whether the row changed.
 */
export async function settleHold(db: Db, payment_hash: Uint8Array, payment_preimage: Uint8Array): Promise<boolean> {
  // payment_preimage is immutable for every other path (db-schema.ts): only a settle may write it.
  const r = await db
    .updateTable('invoices')
    .set({ holdstate: 'SETTLED', payment_preimage } as never)
    .where('payment_hash', '=', payment_hash)
    .where('holdstate', '=', 'ACCEPTED')
    .where('status', '=', 'unpaid')
    .returning('created_index')
    .executeTakeFirst();
  return r !== undefined;
}

/** OPEN | ACCEPTED → CANCELED, guarded (an unpaid invoice only); undefined when the guard fails. */
export async function cancelHold(db: Db, payment_hash: Uint8Array, updated_index: number): Promise<Invoice | undefined> {
  const r = await db
    .updateTable('invoices')
    .set({ holdstate: 'CANCELED', updated_index })
    .where('payment_hash', '=', payment_hash)
    .where('holdstate', 'in', ['OPEN', 'ACCEPTED'])
    .where('status', '=', 'unpaid')
    .returningAll()
    .executeTakeFirst();
  return r && rowToInvoice(r);
}

/**
 * The HTLCs of an accepted set. The id is read as text: SQLite hands integers above 2^53 to JavaScript as
 * rounded numbers, and an HTLC id may be any u63 (the settle records it in `invoice_htlcs`, where a replay
 * is looked up by it).
 */
export async function heldHtlcs(db: Db, payment_hash: Uint8Array): Promise<HoldHtlc[]> {
  const rows = await db
    .selectFrom('hold_htlcs')
    .select(['short_channel_id', sql<string>`cast(id as text)`.as('id'), 'amount_msat', 'cltv_expiry'])
    .where('payment_hash', '=', payment_hash)
    .orderBy('short_channel_id')
    // The column, not the text alias: numeric order.
    .orderBy('hold_htlcs.id')
    .execute();
  return rows.map((r) => ({
    short_channel_id: r.short_channel_id,
    id: BigInt(r.id),
    amount_msat: msat(BigInt(r.amount_msat)),
    cltv_expiry: Number(r.cltv_expiry),
  }));
}

/** Whether this HTLC belongs to the accepted set of `payment_hash`. */
export async function isHeldHtlc(db: Db, payment_hash: Uint8Array, short_channel_id: string, id: bigint): Promise<boolean> {
  const r = await db
    .selectFrom('hold_htlcs')
    .select('payment_hash')
    .where('short_channel_id', '=', short_channel_id)
    .where('id', '=', id)
    .executeTakeFirst();
  return r !== undefined && Buffer.from(r.payment_hash).equals(Buffer.from(payment_hash));
}

/** The sum of an accepted set. */
export function heldAmount(htlcs: readonly HoldHtlc[]): Msat {
  return msat(htlcs.reduce((a, h) => a + h.amount_msat, 0n));
}

/**
 * Hold invoices whose time has come by the clock: OPEN ones within `softSeconds` of their expiry (they
 * take no more HTLCs), ACCEPTED ones at their expiry (they can no longer be marked paid).
 */
export async function dueByTime(db: Db, now: number, softSeconds: number, limit: number): Promise<Invoice[]> {
  const rows = await db
    .selectFrom('invoices')
    .selectAll()
    .where('status', '=', 'unpaid')
    .where((eb) =>
      eb.or([
        eb.and([eb('holdstate', '=', 'OPEN'), eb('expires_at', '<=', now + softSeconds)]),
        eb.and([eb('holdstate', '=', 'ACCEPTED'), eb('expires_at', '<=', now)]),
      ]),
    )
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  return rows.map(rowToInvoice);
}

/** ACCEPTED hold invoices whose HTLCs expire within `blocks` of `height`. */
export async function dueByBlock(db: Db, height: number, blocks: number, limit: number): Promise<Invoice[]> {
  const rows = await db
    .selectFrom('invoices')
    .selectAll()
    .where('holdstate', '=', 'ACCEPTED')
    .where('status', '=', 'unpaid')
    .where('htlc_expiry', '<=', height + blocks)
    .orderBy('htlc_expiry')
    .limit(limit)
    .execute();
  return rows.map(rowToInvoice);
}

/** The next clock deadline of any hold invoice (Unix seconds), for the timer. */
export async function nextTimeDeadline(db: Db, softSeconds: number): Promise<number | undefined> {
  const r = await db
    .selectFrom('invoices')
    .select((eb) => [
      eb.fn.min(eb.case().when('holdstate', '=', 'OPEN').then(sql<number>`expires_at - ${sql.lit(softSeconds)}`).else(sql<number>`expires_at`).end()).as('m'),
    ])
    .where('status', '=', 'unpaid')
    .where('holdstate', 'in', ['OPEN', 'ACCEPTED'])
    .executeTakeFirst();
  return r?.m === null || r?.m === undefined ? undefined : Number(r.m);
}
