/**
 * Domain errors of the BOLT 12 merchant flow (`sendinvoice`, the outbox, currency rates). Like
 * InvoiceError and OfferError they carry no JSON-RPC numbers: src/rpc/errors.ts maps each `kind` to its
 * code (STYLE 9). Messages are CLN's where CLN has one (reference §2, §4.15, lightning-sendinvoice(7)).
 */

export type MerchantErrorKind =
  /** -32602. With `param`, formatted as the binder does (`NAME: REASON: invalid token …`). */
  | 'InvalidParams'
  /** 1002: the invoice_request (or offer) has expired. */
  | 'OfferExpired'
  /** 1003: the bridge could not deliver our message (it reported the outbox entry failed). */
  | 'RouteNotFound'
  /** 1004: the payer answered with an invoice_error (data: its fields) or something that is not a payment. */
  | 'BadReply'
  /** 1005: no payment before the timeout (data: {invstring}). */
  | 'Timeout'
  /** -1: anything else ("Unknown outbox message", the invoice was deleted or expired while waiting). */
  | 'Failed';

export class MerchantError extends Error {
  override readonly name = 'MerchantError';
  constructor(
    readonly kind: MerchantErrorKind,
    message: string,
    readonly extra: {
      /** For InvalidParams: the parameter the reason is about. */
      readonly param?: string;
      /** The JSON-RPC error's `data`, already in wire form. */
      readonly data?: Readonly<Record<string, unknown>>;
    } = {},
  ) {
    super(message);
  }
}
