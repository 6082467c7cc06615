/**
 * Hold invoice states and deadlines, pure (no I/O). The names are the holdinvoice plugin's, so scripts
 * written for it read them unchanged: OPEN (no or not enough HTLCs), ACCEPTED (a whole set held),
 * SETTLED (paid), CANCELED (unpaid, and it takes no more HTLCs).
 *
 * Two kinds of deadline, as the plugin's "soft" and "hard" expiry:
 * - soft: `--holdinvoice-cancel-before-invoice-expiry` seconds before the invoice expires, an OPEN hold
 *   invoice stops taking HTLCs and is CANCELED. An ACCEPTED one is left alone: it can still be settled.
 * - hard: an ACCEPTED hold invoice must be settled while its invoice is unexpired and while the block
 *   height is below its `htlc_expiry` minus `--holdinvoice-cancel-before-htlc-expiry` blocks (after that
 *   the node would have to go on-chain); past either it is CANCELED, and a settle is refused.
 */
import type { Invoice } from '../invoice.js';

export type Holdstate = 'OPEN' | 'ACCEPTED' | 'SETTLED' | 'CANCELED';

/** The options (daemon flags) that place the deadlines. */
export interface HoldDeadlines {
  /** `--holdinvoice-cancel-before-htlc-expiry`, blocks (default 6). */
  readonly cancelBeforeHtlcExpiry: number;
  /** `--holdinvoice-cancel-before-invoice-expiry`, seconds (default 1800). */
  readonly cancelBeforeInvoiceExpiry: number;
}

export const DEFAULT_HOLD_DEADLINES: HoldDeadlines = Object.freeze({
  cancelBeforeHtlcExpiry: 6,
  cancelBeforeInvoiceExpiry: 1800,
});

/**
 * The state a client sees: the stored one, except that an invoice the expiry sweep expired while OPEN or
 * ACCEPTED is CANCELED (it will never be paid), and a paid one is SETTLED. Undefined: not a hold invoice.
 */
export function holdstateOf(inv: Invoice): Holdstate | undefined {
  if (inv.holdstate === undefined) return undefined;
  if (inv.status === 'paid') return 'SETTLED';
  if (inv.status === 'expired') return 'CANCELED';
  return inv.holdstate;
}

/** Why an OPEN hold invoice takes no more HTLCs now, or undefined while it does. */
export function openDeadlinePassed(inv: Invoice, now: number, d: HoldDeadlines): string | undefined {
  const soft = inv.expires_at - d.cancelBeforeInvoiceExpiry;
  return now >= soft
    ? `within ${d.cancelBeforeInvoiceExpiry}s of its expiry (expires_at ${inv.expires_at}, now ${now})`
    : undefined;
}

/** Why an ACCEPTED hold invoice can no longer be settled, or undefined while it can. */
export function acceptedDeadlinePassed(
  inv: Pick<Invoice, 'expires_at'>,
  htlc_expiry: number,
  now: number,
  height: number,
  d: HoldDeadlines,
): string | undefined {
  if (now >= inv.expires_at) return `the invoice expired (expires_at ${inv.expires_at}, now ${now})`;
  if (height + d.cancelBeforeHtlcExpiry >= htlc_expiry) {
    return `its HTLCs expire at block ${htlc_expiry}, within ${d.cancelBeforeHtlcExpiry} blocks of the current height ${height}`;
  }
  return undefined;
}
