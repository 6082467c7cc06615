/**
 * Payment secrets derived rather than stored (reference §6.3), exactly as Core Lightning derives them, so
 * invoices created by a CLN node with the same preimage (or hsm_secret) check the same way.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '../../util/bytes.js';

/**
 * BOLT11 `payment_secret` of an invoice: SHA256 of the preimage with the lowest bit of its first byte
 * flipped (CLN lightningd/invoice.c invoice_secret). It reveals nothing about the preimage.
 */
export function paymentSecretFromPreimage(preimage: Uint8Array): Uint8Array {
  if (preimage.length !== 32) throw new RangeError('preimage must be 32 bytes');
  // A copy, never a view: a Node Buffer's slice() shares memory, and the copy is zeroed below.
  const modified = Uint8Array.from(preimage);
  modified[0] = (modified[0] as number) ^ 1;
  const secret = sha256(modified);
  modified.fill(0);
  return secret;
}

/**
 * BOLT12 `path_id` for an invoice's blinded payment path: SHA256(base || payment_hash), with
 * base = makesecret("bolt12-invoice-base") (CLN common/bolt12_id.c bolt12_path_secret). A payment
 * presents it in the final hop's encrypted data, where it plays the part of the payment_secret.
 */
export function bolt12PathSecret(invoiceSecretBase: Uint8Array, paymentHash: Uint8Array): Uint8Array {
  if (invoiceSecretBase.length !== 32 || paymentHash.length !== 32) {
    throw new RangeError('bolt12 path secret takes a 32-byte base and a 32-byte payment_hash');
  }
  return sha256(concatBytes(invoiceSecretBase, paymentHash));
}
