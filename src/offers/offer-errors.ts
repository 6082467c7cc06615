/**
 * Domain errors of the offer engine. Like InvoiceError they carry no JSON-RPC numbers: src/rpc/errors.ts
 * maps each `kind` to its code (STYLE 9). Messages are CLN's where CLN has one (reference §2, §4.12–4.14).
 */

export type OfferErrorKind =
  /** -32602. With `param`, the RPC layer formats it as the binder does (`NAME: REASON: invalid token …`). */
  | 'InvalidParams'
  /** 1000 "Already exists, but isn't active": `offer` for an identical offer that was disabled. */
  | 'AlreadyExists'
  /** 1001 "offer is not active" / "invoice_request is not active". */
  | 'AlreadyDisabled'
  /** 1006 "offer already active". */
  | 'AlreadyEnabled'
  /** 1007 "cannot activate an used single use offer". */
  | 'UsedSingleUse'
  /** -1 "Unknown offer" / "Unknown invoice_request". */
  | 'NotFound';

export class OfferError extends Error {
  override readonly name = 'OfferError';
  constructor(
    readonly kind: OfferErrorKind,
    message: string,
    readonly extra: {
      /** For InvalidParams: the parameter the reason is about. */
      readonly param?: string;
    } = {},
  ) {
    super(message);
  }
}
