/**
 * Domain errors of the invoice engine. They carry no JSON-RPC numbers: `src/rpc/errors.ts` is the one
 * place that maps a `kind` to its code (STYLE 9). The message is the text clients see, CLN's where CLN has one.
 */
import type { Invoice, InvoiceStatus } from './invoice.js';

export type InvoiceErrorKind =
  /** A parameter the engine checks itself (-32602). `param` names it when the binder's form applies. */
  | 'InvalidParams'
  /** 900 "Duplicate label '<label>'" (invoice) / "Duplicate label" with the existing invoice (createinvoice). */
  | 'LabelExists'
  /** 901 "preimage already used". */
  | 'PreimageExists'
  /** 903 "invoice expired during wait", with the invoice. */
  | 'ExpiredDuringWait'
  /** 904 "Timed out while waiting for invoice to be paid". */
  | 'WaitTimedOut'
  /** 905 "Unknown invoice". */
  | 'InvoiceNotFound'
  /** 906 "Invoice status is X not Y", with current and expected status. */
  | 'StatusUnexpected'
  /** 907 "offer not active". */
  | 'OfferInactive'
  /** 908 "Invoice description already removed". */
  | 'NoDescription'
  /** 902 "None of those hints were suitable local channels" (invoice's exposeprivatechannels list). */
  | 'HintsGaveNoRoutes'
  /** -1: "Label not found", "Invoice deleted during wait", fallback address errors, other generic failures. */
  | 'Failed'
  /** -5 "Shutting down": the daemon is stopping while the request waited. */
  | 'ShuttingDown';

export class InvoiceError extends Error {
  override readonly name = 'InvoiceError';
  constructor(
    readonly kind: InvoiceErrorKind,
    message: string,
    readonly extra: {
      /** The invoice attached as `data` (createinvoice's 900, waitinvoice's 903). */
      readonly invoice?: Invoice;
      /** 906's data. */
      readonly current_status?: InvoiceStatus;
      readonly expected_status?: string;
      /** For InvalidParams: the parameter the message is about. */
      readonly param?: string;
    } = {},
  ) {
    super(message);
  }
}

/**
 * 900 "Duplicate label" with the invoice that has the label: how `createinvoice` and the offers module's
 * stores (sendinvoice, answers to invoice_requests) refuse a label in use, and how their checks do.
 */
export function labelExists(invoice: Invoice): InvoiceError {
  return new InvoiceError('LabelExists', 'Duplicate label', { invoice });
}
