/**
 * BOLT 12 codec: the public surface of src/offers/ (STYLE 13). Pure functions: no I/O, no clock, no
 * logger; time, randomness and signing are passed in.
 */
export { Bolt12ParseError, type Bolt12ParseErrorKind } from './errors.js';
export type { Problem, ReadOptions } from './problems.js';
export { readBigSize, writeBigSize } from './bigsize.js';
export { readTlvStream, encodeRecord, type TlvRecord, type TlvRange } from './tlv-stream.js';
export { decodeBolt12String, encodeBolt12String, type Bolt12Prefix } from './bolt12-string.js';
export type { FallbackAddress, Bip353Name } from './wire-types.js';
export {
  formatShortChannelId,
  type BlindedHop,
  type BlindedPath,
  type BlindedPayInfo,
  type SciddirOrPubkey,
} from './blinded-path.js';
export {
  DEFAULT_INVOICE_RELATIVE_EXPIRY,
  type OfferFields,
  type InvoiceRequestFields,
  type InvoiceFields,
  type InvoiceOwnFields,
} from './fields.js';
export { merkleRoot, signatureHash, taggedHash, verifyBolt12Signature, type SchnorrSigner } from './merkle.js';
export { BITCOIN_CHAIN, buildOffer, computeOfferId, inspectOffer, parseOffer, type Offer, type OfferView } from './offer.js';
export {
  buildInvoiceRequest,
  computeInvreqId,
  inspectInvoiceRequest,
  isOfferResponse,
  parseInvoiceRequest,
  signInvoiceRequest,
  type InvoiceRequest,
  type InvoiceRequestView,
  type UnsignedInvoiceRequest,
} from './invoice-request.js';
export {
  buildInvoice,
  checkInvoiceAnswers,
  inspectInvoice,
  invoiceExpiresAt,
  parseInvoice,
  signInvoice,
  usablePaths,
  type Bolt12Invoice,
  type Bolt12InvoiceView,
  type UnsignedBolt12Invoice,
} from './invoice.js';
export { buildInvoiceError, parseInvoiceError, type Bolt12InvoiceError, type InvoiceErrorFields } from './invoice-error.js';
export {
  buildBlindedPath,
  encodeEncryptedData,
  decodeEncryptedData,
  buildMessagePathToSelf,
  buildPaymentPathToSelf,
  decryptRecipientData,
  derivePathId,
  type BlindingKeys,
  type DecryptedHop,
  type EncryptedDataFields,
} from './route-blinding.js';
export {
  decodeBolt12Json,
  invoiceDecodeJson,
  invoiceRequestDecodeJson,
  looksLikeBolt12,
  offerDecodeJson,
  type DecodeJson,
} from './decode-json.js';
export { currencyMinorUnit } from './iso4217.js';
