/**
 * BOLT 4 failure messages the final node sends, encoded as the `failure_message` a bridge hands back to
 * its node (`{"result":"fail","failure_message":"<hex>"}`): a u16 failure code then the code's data
 * fields, big-endian, exactly as BOLT 4 "Failure Messages" lays them out. Pure: no I/O.
 */
import { writeBigSize } from '../../offers/bolt12/bigsize.js';
import { bigIntToBytes, concatBytes } from '../../util/bytes.js';

/** BOLT 4: "0x4000 (PERM): permanent failure (otherwise transient)". */
export const PERM = 0x4000;

/** The failure codes the daemon sends, by their BOLT 4 names. */
export const FAILURE_CODE = Object.freeze({
  /** BOLT 4: type PERM|15, data [u64 htlc_msat] [u32 height]. */
  incorrect_or_unknown_payment_details: PERM | 15,
  /** BOLT 4: type 18, data [u32 cltv_expiry]. */
  final_incorrect_cltv_expiry: 18,
  /** BOLT 4: type 19, data [u64 incoming_htlc_amt]. */
  final_incorrect_htlc_amount: 19,
  /** BOLT 4: type PERM|22, data [bigsize type] [u16 offset]. */
  invalid_onion_payload: PERM | 22,
  /** BOLT 4: type 23, no data. */
  mpp_timeout: 23,
} as const);

export type FailureName = keyof typeof FAILURE_CODE;

/** TLV type of `payment_metadata` in the onion's per-hop payload (BOLT 4 `tlv_payload`, type 16). */
export const TLV_PAYLOAD_PAYMENT_METADATA = 16n;

/** A failure message ready to send, with its name for logs. */
export interface HtlcFailure {
  readonly name: FailureName;
  readonly message: Uint8Array;
}

/** Big-endian fixed-width integers (BOLT 1 `u16`, `u32`, `u64`); a value that does not fit throws. */
const u16 = (v: number): Uint8Array => bigIntToBytes(BigInt(v), 2);
const u32 = (v: number): Uint8Array => bigIntToBytes(BigInt(v), 4);
const u64 = (v: bigint): Uint8Array => bigIntToBytes(v, 8);

function failure(name: FailureName, ...data: Uint8Array[]): HtlcFailure {
  return Object.freeze({ name, message: concatBytes(u16(FAILURE_CODE[name]), ...data) });
}

/**
 * BOLT 4: "The `payment_hash` is unknown to the final node, the `payment_secret` doesn't match the
 * `payment_hash`, the amount for that `payment_hash` is too low, the CLTV expiry of the htlc is too close
 * to the current block height for safe handling…". Carries this HTLC's amount and the current height.
 */
export function incorrectOrUnknownPaymentDetails(htlc_msat: bigint, height: number): HtlcFailure {
  return failure('incorrect_or_unknown_payment_details', u64(htlc_msat), u32(height));
}

/** BOLT 4: "The CLTV expiry in the HTLC is less than the value in the onion." Carries the HTLC's cltv_expiry. */
export function finalIncorrectCltvExpiry(cltv_expiry: number): HtlcFailure {
  return failure('final_incorrect_cltv_expiry', u32(cltv_expiry));
}

/** BOLT 4: "The amount in the HTLC is less than the value in the onion." Carries the HTLC's amount. */
export function finalIncorrectHtlcAmount(incoming_htlc_amt: bigint): HtlcFailure {
  return failure('final_incorrect_htlc_amount', u64(incoming_htlc_amt));
}

/**
 * BOLT 4: "The decrypted onion per-hop payload was not understood by the processing node or is
 * incomplete. If the failure can be narrowed down to a specific tlv type in the payload, the erring node
 * may include that `type` and its byte `offset` in the decrypted byte stream."
 */
export function invalidOnionPayload(type: bigint, offset: number): HtlcFailure {
  return failure('invalid_onion_payload', writeBigSize(type), u16(offset));
}

/** BOLT 4: "The complete amount of the multi-part payment was not received within a reasonable time." */
export function mppTimeout(): HtlcFailure {
  return failure('mpp_timeout');
}
