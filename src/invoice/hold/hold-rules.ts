/**
 * What the hold invoice commands refuse, apart from where they read and write: the engine applies these
 * under its write lock, and `check` (CLN's check-only mode) applies the same ones to what it reads, so
 * both answer the same errors.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../../util/bytes.js';
import { toHex } from '../../util/hex.js';
import { InvoiceError } from '../errors.js';
import type { Invoice } from '../invoice.js';
import { acceptedDeadlinePassed, holdstateOf, type HoldDeadlines, type Holdstate } from './holdstate.js';

export const notFound = (hash: Uint8Array) => new InvoiceError('InvalidParams', `payment_hash '${toHex(hash)}' not found`);
export const wrongState = (s: Holdstate) => new InvoiceError('InvalidParams', `Holdinvoice is in wrong state: '${s}'`);

/** `holdinvoice`'s own checks before the invoice engine's; returns the expiry to create with. */
export function holdCreateExpiry(
  p: { readonly payment_hash?: Uint8Array; readonly preimage?: Uint8Array; readonly expiry?: bigint },
  defaultExpiry: number,
  d: HoldDeadlines,
): bigint {
  if (p.payment_hash && p.preimage) {
    throw new InvoiceError('InvalidParams', 'payment_hash: cannot be given with preimage', { param: 'payment_hash' });
  }
  const expiry = p.expiry ?? BigInt(defaultExpiry);
  if (expiry <= BigInt(d.cancelBeforeInvoiceExpiry)) {
    throw new InvoiceError(
      'InvalidParams',
      `expiry: should be more than ${d.cancelBeforeInvoiceExpiry} seconds (holdinvoice-cancel-before-invoice-expiry)`,
      { param: 'expiry' },
    );
  }
  return expiry;
}

/** `holdinvoicesettle`'s hash: payment_hash, or the preimage's; refused when they disagree or both are missing. */
export function settleHash(hashIn: Uint8Array | undefined, given: Uint8Array | undefined): Uint8Array {
  const hash = hashIn ?? (given ? sha256(given) : undefined);
  if (!hash) throw new InvoiceError('InvalidParams', 'missing required parameter: payment_hash');
  if (given && !equalBytes(sha256(given), hash)) {
    throw new InvoiceError('InvalidParams', 'payment_preimage: does not hash to payment_hash', { param: 'payment_preimage' });
  }
  return hash;
}

/** What a settle of `inv` comes to: already settled, too late (cancelled instead), or settled with `preimage`. */
export type SettleStep = { readonly kind: 'settled' } | { readonly kind: 'late'; readonly late: string } | { readonly kind: 'settle'; readonly preimage: Uint8Array };

/** A settle's decision on the invoice as read; throws its refusals. */
export function settleStep(
  inv: Invoice | undefined,
  hash: Uint8Array,
  given: Uint8Array | undefined,
  at: { readonly now: number; readonly blockheight: number; readonly d: HoldDeadlines },
): SettleStep {
  const state = inv && holdstateOf(inv);
  if (!inv || !state) throw notFound(hash);
  if (state === 'SETTLED') return { kind: 'settled' };
  if (state !== 'ACCEPTED') throw wrongState(state);
  const known = equalBytes(sha256(inv.payment_preimage), hash);
  const preimage = known ? inv.payment_preimage : given;
  if (!preimage) {
    throw new InvoiceError('InvalidParams', 'payment_preimage: required: this hold invoice was made from its payment_hash', {
      param: 'payment_preimage',
    });
  }
  const late = acceptedDeadlinePassed(inv, inv.htlc_expiry ?? 0, at.now, at.blockheight, at.d);
  return late ? { kind: 'late', late } : { kind: 'settle', preimage };
}

/** The refusal of a settle that came too late (its invoice is cancelled instead). */
export const lateSettle = (late: string) => new InvoiceError('Failed', `Holdinvoice is past its deadline and was canceled: ${late}`);

/** A cancel's decision on the invoice as read: true when it is to be cancelled (false: already CANCELED). */
export function cancelStep(inv: Invoice | undefined, hash: Uint8Array): boolean {
  const state = inv && holdstateOf(inv);
  if (!inv || !state) throw notFound(hash);
  if (state === 'CANCELED') return false;
  if (state === 'SETTLED') throw wrongState(state);
  return true;
}

/** A lookup's refusal: an invoice that is not a hold invoice. */
export function lookupState(inv: Invoice | undefined, hash: Uint8Array): Holdstate {
  const state = inv && holdstateOf(inv);
  if (!inv || !state) throw notFound(hash);
  return state;
}
