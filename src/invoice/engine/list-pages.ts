/**
 * `listinvoices` over many invoices, page by page (issue 18 item 1): the RPC layer streams the pages to
 * the client as its socket takes them, instead of building one answer holding every invoice.
 *
 * Only a listing by `created_index` is paged (the default, and the one that grows without bound); it
 * keeps the rules of `listInvoices` (start, limit, status and offer_id before limit, reverse). Pages are
 * read by index (keyset), so each is one indexed query. A forward listing stops at the newest invoice
 * that existed when it began: invoices created while it runs are not listed (a client that wants them
 * follows with `wait`/`start`), so a listing always ends.
 */
import type { ListInvoicesParams } from '../api.js';
import type { Invoice } from '../invoice.js';
import type { ListContext } from './listing.js';
import * as store from '../store/store.js';
import { checkListParams } from '../validate.js';

/** The first page is small, so answers queued behind a slow reader hold little. */
export const FIRST_PAGE = 16;
export const PAGE = 256;

/** True when `listInvoicePages` would page this listing (a large one by created index). */
export function isPagedListing(p: ListInvoicesParams): boolean {
  const selector = p.label !== undefined || p.payment_hash !== undefined || p.invstring !== undefined;
  // Metadata filters go through `list`, which checks and applies them.
  if (p.metadata_key !== undefined || p.metadata_value !== undefined) return false;
  return !selector && (p.index ?? 'created') === 'created' && (p.limit === undefined || p.limit > FIRST_PAGE);
}

/**
 * The pages of a large listing by created index, read one at a time as they are asked for.
 * @throws InvoiceError('InvalidParams') at once for a refused parameter combination (as `list` does).
 */
export function listInvoicePages(ctx: ListContext, p: ListInvoicesParams): AsyncGenerator<Invoice[], void> {
  checkListParams(p);
  return pages(ctx, p);
}

async function* pages(ctx: ListContext, p: ListInvoicesParams): AsyncGenerator<Invoice[], void> {
  const reverse = p.reverse ?? false;
  let remaining = p.limit ?? Infinity;
  let cursor: number | undefined;
  if (p.start !== undefined && !(reverse && p.start === 0n)) {
    if (p.start > BigInt(Number.MAX_SAFE_INTEGER)) {
      if (!reverse) return;
    } else {
      cursor = Number(p.start);
    }
  }
  const newest = reverse ? undefined : (await store.readCounters(ctx.db)).created_index;
  let size = FIRST_PAGE;
  while (remaining > 0) {
    if (reverse && cursor !== undefined && cursor < 1) return;
    if (newest !== undefined && cursor !== undefined && cursor > newest) return;
    const want = Math.min(size, remaining);
    let rows = await store.listInvoices(ctx.db, {
      index: 'created',
      ...(cursor !== undefined ? { start: cursor } : {}),
      limit: want,
      ...(p.status !== undefined ? { status: p.status } : {}),
      ...(p.offer_id !== undefined ? { local_offer_id: p.offer_id } : {}),
      reverse,
    });
    const full = rows.length === want;
    if (newest !== undefined) rows = rows.filter((r) => r.created_index <= newest);
    if (rows.length > 0) {
      remaining -= rows.length;
      const last = rows[rows.length - 1]!.created_index;
      cursor = reverse ? last - 1 : last + 1;
      yield rows;
    }
    if (!full || rows.length < want) return;
    size = PAGE;
  }
}
