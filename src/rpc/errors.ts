/**
 * The one catalogue of JSON-RPC error codes (STYLE 9), and the one mapping from domain errors to them.
 * Codes and names are CLN's (common/jsonrpc_errors.h, reference §2). Every code the RPC layer can send is
 * in `ERROR_CODES`; a drift test checks that each one is documented in docs/rpc.md and that nothing
 * else is used.
 */
import { InvoiceError, type InvoiceErrorKind } from '../invoice/errors.js';
import { MerchantError, type MerchantErrorKind } from '../offers/merchant-errors.js';
import { OfferError, type OfferErrorKind } from '../offers/offer-errors.js';
import { databaseConnectionProblem } from '../invoice/store/dialect/pg-pool.js';
import { formatInvoice } from './format-invoice.js';
import type { JsonNode } from './json-reader.js';

/** How an answer starts when the database cannot be reached (-32603; try again later). */
export const DATABASE_UNAVAILABLE = 'Database unavailable';

/** An error as it goes on the wire: `{"code", "message", "data"?}`. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/**
 * A parameter problem found after binding (by a handler or the engine): the dispatcher reports it as the
 * binder does (echoed or logged, command.ts `refuseParam`), with the token the client sent for NAME, or
 * `token` when NAME is a member inside a parameter (`onion.forward_msat`).
 */
export class ParamError extends Error {
  override readonly name = 'ParamError';
  constructor(
    readonly param: string,
    readonly reason: string,
    readonly token?: JsonNode,
  ) {
    super(`${param}: ${reason}`);
  }
}

/** Every code the RPC layer sends, with CLN's name and when we send it. Order = docs order. */
export const ERROR_CODES = {
  [-32600]: { name: 'INVALID_REQUEST', when: 'malformed request envelope or stream; oversized request' },
  [-32601]: { name: 'METHOD_NOT_FOUND', when: 'unknown command; `help` for an unknown command' },
  [-32602]: { name: 'INVALID_PARAMS', when: 'any parameter problem, from the binder or the engine' },
  [-32603]: { name: 'INTERNAL_ERROR', when: 'an unexpected failure inside the daemon (logged)' },
  [-1]: { name: 'LIGHTNINGD', when: 'generic failure: "Label not found", "Invoice deleted during wait", fallback addresses, "Invalid bolt11: …" from decodepay, "Unknown offer", "Unknown invoice_request"' },
  [-5]: { name: 'SHUTTING_DOWN', when: 'the daemon is stopping while the request waited' },
  900: { name: 'INVOICE_LABEL_ALREADY_EXISTS', when: '`invoice`, `createinvoice` (data: the existing invoice)' },
  901: { name: 'INVOICE_PREIMAGE_ALREADY_EXISTS', when: '`invoice`, `createinvoice`: payment_hash already present' },
  902: { name: 'INVOICE_HINTS_GAVE_NO_ROUTES', when: '`invoice`: none of the channels `exposeprivatechannels` lists is suitable' },
  903: { name: 'INVOICE_EXPIRED_DURING_WAIT', when: '`waitinvoice` (data: the invoice)' },
  904: { name: 'INVOICE_WAIT_TIMED_OUT', when: '`waitanyinvoice` timeout' },
  905: { name: 'INVOICE_NOT_FOUND', when: '`delinvoice` unknown label' },
  906: { name: 'INVOICE_STATUS_UNEXPECTED', when: '`delinvoice` status mismatch (data: current_status, expected_status)' },
  907: { name: 'INVOICE_OFFER_INACTIVE', when: '`createinvoice` for an inactive offer of ours' },
  908: { name: 'INVOICE_NO_DESCRIPTION', when: '`delinvoice desconly` when the description is already gone' },
  1000: { name: 'OFFER_ALREADY_EXISTS', when: '`offer`: an identical offer exists but is not active' },
  1001: { name: 'OFFER_ALREADY_DISABLED', when: '`disableoffer`, `disableinvoicerequest`: not active' },
  1002: { name: 'OFFER_EXPIRED', when: '`sendinvoice`: the invoice_request has expired' },
  1003: { name: 'OFFER_ROUTE_NOT_FOUND', when: '`sendinvoice`: the bridge reported the invoice undeliverable (`outbox-failed`)' },
  1004: { name: 'OFFER_BAD_INVREQ_REPLY', when: '`sendinvoice`: the payer answered with an invoice_error (data: error, erroneous_field?, suggested_value?)' },
  1005: { name: 'OFFER_TIMEOUT', when: '`sendinvoice`: not paid before the timeout (data: invstring)' },
  1006: { name: 'OFFER_ALREADY_ENABLED', when: '`enableoffer`: already active' },
  1007: { name: 'OFFER_USED_SINGLE_USE', when: '`enableoffer`: a single-use offer that was used' },
} as const satisfies Record<number, { name: string; when: string }>;

export type RpcErrorCode = keyof typeof ERROR_CODES;

/** Named codes, for handlers and tests. */
export const CODE = {
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  LIGHTNINGD: -1,
  SHUTTING_DOWN: -5,
  INVOICE_LABEL_ALREADY_EXISTS: 900,
  INVOICE_PREIMAGE_ALREADY_EXISTS: 901,
  INVOICE_HINTS_GAVE_NO_ROUTES: 902,
  INVOICE_EXPIRED_DURING_WAIT: 903,
  INVOICE_WAIT_TIMED_OUT: 904,
  INVOICE_NOT_FOUND: 905,
  INVOICE_STATUS_UNEXPECTED: 906,
  INVOICE_OFFER_INACTIVE: 907,
  INVOICE_NO_DESCRIPTION: 908,
  OFFER_ALREADY_EXISTS: 1000,
  OFFER_ALREADY_DISABLED: 1001,
  OFFER_EXPIRED: 1002,
  OFFER_ROUTE_NOT_FOUND: 1003,
  OFFER_BAD_INVREQ_REPLY: 1004,
  OFFER_TIMEOUT: 1005,
  OFFER_ALREADY_ENABLED: 1006,
  OFFER_USED_SINGLE_USE: 1007,
} as const satisfies Record<string, RpcErrorCode>;

/** InvoiceError kind → code. A missing kind fails to compile. */
export const INVOICE_ERROR_CODES: Readonly<Record<InvoiceErrorKind, RpcErrorCode>> = {
  InvalidParams: CODE.INVALID_PARAMS,
  LabelExists: CODE.INVOICE_LABEL_ALREADY_EXISTS,
  PreimageExists: CODE.INVOICE_PREIMAGE_ALREADY_EXISTS,
  ExpiredDuringWait: CODE.INVOICE_EXPIRED_DURING_WAIT,
  WaitTimedOut: CODE.INVOICE_WAIT_TIMED_OUT,
  InvoiceNotFound: CODE.INVOICE_NOT_FOUND,
  StatusUnexpected: CODE.INVOICE_STATUS_UNEXPECTED,
  OfferInactive: CODE.INVOICE_OFFER_INACTIVE,
  NoDescription: CODE.INVOICE_NO_DESCRIPTION,
  HintsGaveNoRoutes: CODE.INVOICE_HINTS_GAVE_NO_ROUTES,
  Failed: CODE.LIGHTNINGD,
  ShuttingDown: CODE.SHUTTING_DOWN,
};

/** OfferError kind → code. A missing kind fails to compile. */
export const OFFER_ERROR_CODES: Readonly<Record<OfferErrorKind, RpcErrorCode>> = {
  InvalidParams: CODE.INVALID_PARAMS,
  AlreadyExists: CODE.OFFER_ALREADY_EXISTS,
  AlreadyDisabled: CODE.OFFER_ALREADY_DISABLED,
  AlreadyEnabled: CODE.OFFER_ALREADY_ENABLED,
  UsedSingleUse: CODE.OFFER_USED_SINGLE_USE,
  NotFound: CODE.LIGHTNINGD,
};

/** MerchantError kind → code. A missing kind fails to compile. */
export const MERCHANT_ERROR_CODES: Readonly<Record<MerchantErrorKind, RpcErrorCode>> = {
  InvalidParams: CODE.INVALID_PARAMS,
  OfferExpired: CODE.OFFER_EXPIRED,
  RouteNotFound: CODE.OFFER_ROUTE_NOT_FOUND,
  BadReply: CODE.OFFER_BAD_INVREQ_REPLY,
  Timeout: CODE.OFFER_TIMEOUT,
  Failed: CODE.LIGHTNINGD,
};

/**
 * Maps a domain error to its wire form. The engine's `InvalidParams` messages are complete (CLN's own
 * texts, such as "Label 'x' over 128 bytes"), so they go out verbatim; `param` only names the parameter.
 * A handler that wants the binder's `NAME: REASON: invalid token` form throws a `ParamError` instead.
 * Anything unknown is an internal error: the caller logs it.
 */
export function toRpcError(err: unknown): RpcError | ParamError {
  if (err instanceof RpcError || err instanceof ParamError) return err;
  if (err instanceof InvoiceError) {
    const code = INVOICE_ERROR_CODES[err.kind];
    if (err.kind === 'StatusUnexpected') {
      return new RpcError(code, err.message, {
        current_status: err.extra.current_status,
        expected_status: err.extra.expected_status,
      });
    }
    return new RpcError(code, err.message, err.extra.invoice ? formatInvoice(err.extra.invoice) : undefined);
  }
  if (err instanceof OfferError) {
    if (err.kind === 'InvalidParams' && err.extra.param !== undefined) return new ParamError(err.extra.param, err.message);
    return new RpcError(OFFER_ERROR_CODES[err.kind], err.message);
  }
  if (err instanceof MerchantError) {
    if (err.kind === 'InvalidParams' && err.extra.param !== undefined) return new ParamError(err.extra.param, err.message);
    return new RpcError(MERCHANT_ERROR_CODES[err.kind], err.message, err.extra.data);
  }
  // A wait aborted because its connection or the daemon is closing: only shutdown leaves anyone to read it.
  if (err instanceof Error && err.name === 'AbortError') return new RpcError(CODE.SHUTTING_DOWN, 'Shutting down');
  // A database found corrupt while running: every write answers with what to do (db-check.ts).
  if (err instanceof Error && err.name === 'DatabaseRefused') return new RpcError(CODE.INTERNAL_ERROR, err.message);
  // The database is down or frozen: say so (the outage itself is logged once, not per request).
  const unreachable = databaseConnectionProblem(err);
  if (unreachable !== undefined) return new RpcError(CODE.INTERNAL_ERROR, `${DATABASE_UNAVAILABLE}: ${unreachable}`);
  return new RpcError(CODE.INTERNAL_ERROR, 'Internal error');
}
