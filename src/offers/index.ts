/**
 * BOLT 12 codec: the public surface of src/offers/ (STYLE 13). Pure functions: no I/O, no clock, no
 * logger; time, randomness and signing are passed in.
 */
export { Bolt12ParseError, type Bolt12ParseErrorKind } from './bolt12/errors.js';
export type { Problem, ReadOptions } from './bolt12/problems.js';
export { readBigSize, writeBigSize } from './bolt12/bigsize.js';
export { readTlvStream, encodeRecord, type TlvRecord, type TlvRange } from './bolt12/tlv-stream.js';
export { decodeBolt12String, encodeBolt12String, type Bolt12Prefix } from './bolt12/string.js';
export type { FallbackAddress, Bip353Name } from './bolt12/wire-types.js';
export {
  formatShortChannelId,
  type BlindedHop,
  type BlindedPath,
  type BlindedPayInfo,
  type SciddirOrPubkey,
} from './bolt12/blinded-path.js';
export {
  DEFAULT_INVOICE_RELATIVE_EXPIRY,
  type OfferFields,
  type InvoiceRequestFields,
  type InvoiceFields,
  type InvoiceOwnFields,
} from './bolt12/fields.js';
export { merkleRoot, signatureHash, taggedHash, verifyBolt12Signature, type SchnorrSigner } from './bolt12/merkle.js';
export { BITCOIN_CHAIN, buildOffer, computeOfferId, inspectOffer, parseOffer, type Offer, type OfferView } from './bolt12/offer.js';
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
} from './bolt12/invoice-request.js';
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
} from './bolt12/invoice.js';
export { buildInvoiceError, parseInvoiceError, type Bolt12InvoiceError, type InvoiceErrorFields } from './bolt12/invoice-error.js';
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
} from './blinding/route-blinding.js';
export {
  decodeBolt12Json,
  invoiceDecodeJson,
  invoiceRequestDecodeJson,
  looksLikeBolt12,
  offerDecodeJson,
  type DecodeJson,
} from './bolt12/decode-json.js';
export { currencyMinorUnit } from './bolt12/iso4217.js';
