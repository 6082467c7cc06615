/**
 * Listing: `listinvoices` (lookups by label / payment_hash / invstring, 0 or 1 result, or a listing by
 * created or updated index, ascending or (`reverse`) descending, filtered by `status` and `offer_id`
 * BEFORE `limit`) and the invoice counts.
 */
import type { Kysely } from 'kysely';
import type { InvoiceCounts, ListInvoicesParams } from '../api.js';
import type { Bolt11Codec } from '../create.js';
import { COUNTER, type InvoiceDb } from '../store/schema.js';
import { InvoiceError } from '../errors.js';
import type { Invoice } from '../invoice.js';
import * as store from '../store/store.js';
import { checkListParams } from '../validate.js';

export interface ListContext {
  readonly db: Kysely<InvoiceDb>;
  readonly codec: Bolt11Codec;
}

/** `listinvoices` (reference §4.2, plus `status` and `reverse`). */
export async function listInvoices(ctx: ListContext, p: ListInvoicesParams): Promise<Invoice[]> {
  const { db, codec } = ctx;
  checkListParams(p);
  if (p.metadata_value !== undefined && p.metadata_key === undefined) {
    throw new InvoiceError('InvalidParams', 'Can only specify {metadata_value} with {metadata_key}');
  }
  if (p.metadata_key !== undefined && (p.label ?? p.invstring ?? p.payment_hash) !== undefined) {
    throw new InvoiceError('InvalidParams', 'Can only specify {metadata_key} without {label}, {invstring} or {payment_hash}');
  }
  const keep = (inv: Invoice | undefined): Invoice[] =>
    inv && (p.status === undefined || inv.status === p.status) ? [inv] : [];
  if (p.label !== undefined) return keep(await store.findByLabel(db, p.label));
  if (p.payment_hash !== undefined) return keep(await store.findByPaymentHash(db, p.payment_hash));
  if (p.invstring !== undefined) {
    const s = p.invstring.trim().toLowerCase();
    if (s.startsWith('lni')) return keep(await store.findByInvstring(db, s));
    let hash: Uint8Array;
    try {
      hash = codec.decode(p.invstring.trim()).payment_hash;
    } catch {
      throw new InvoiceError('InvalidParams', 'Invalid invstring', { param: 'invstring' });
    }
    return keep(await store.findByPaymentHash(db, hash));
  }
  const reverse = p.reverse ?? false;
  const big = BigInt(Number.MAX_SAFE_INTEGER);
  let start: number | undefined;
  if (p.start !== undefined) {
    if (p.start > big) {
      if (!reverse) return [];
    } else if (!(reverse && p.start === 0n)) {
      // reverse with start 0 (CLN's default) means "from the newest".
      start = Number(p.start);
    }
  }
  return store.listInvoices(db, {
    index: p.index ?? 'created',
    ...(start !== undefined ? { start } : {}),
    ...(p.limit !== undefined ? { limit: p.limit } : {}),
    ...(p.status !== undefined ? { status: p.status } : {}),
    ...(p.offer_id !== undefined ? { local_offer_id: p.offer_id } : {}),
    ...(p.metadata_key !== undefined
      ? { metadata: { key: p.metadata_key, ...(p.metadata_value !== undefined ? { value: p.metadata_value } : {}) } }
      : {}),
    reverse,
  });
}

/** The invoices by status and the three index counters, as the database has them now. */
export async function invoiceCounts(db: Kysely<InvoiceDb>): Promise<InvoiceCounts> {
  const [byStatus, c] = await Promise.all([store.statusCounts(db), store.readCounters(db)]);
  return {
    ...byStatus,
    created_index: c[COUNTER.created],
    updated_index: c[COUNTER.updated],
    deleted_index: c[COUNTER.deleted],
  };
}

/** The same, read in one statement (one snapshot), for the in-memory counts (engine/live-counts.ts). */
export async function snapshotCounts(db: Kysely<InvoiceDb>): Promise<InvoiceCounts> {
  const { status, counters } = await store.readCountsSnapshot(db);
  return {
    unpaid: status.unpaid ?? 0,
    paid: status.paid ?? 0,
    expired: status.expired ?? 0,
    created_index: counters[COUNTER.created] ?? 0,
    updated_index: counters[COUNTER.updated] ?? 0,
    deleted_index: counters[COUNTER.deleted] ?? 0,
  };
}
