/**
 * The test payer: builds `htlc_accepted` payloads, as Core Lightning's hook sends them, for paying an
 * invoice in one or many parts, and decodes BOLT 4 failure messages field by field. Its decoder is written
 * independently of src/invoice/payments/htlc-failure.ts so that tests check the encoder, not themselves.
 */
import { decodeBolt11 } from '../../src/invoice/bolt11/index.js';
import { toHex } from '../../src/util/hex.js';

/** What a payer needs from an invoice. */
export interface PayTarget {
  readonly payment_hash: Uint8Array;
  readonly payment_secret?: Uint8Array;
  /** undefined for an any-amount invoice. */
  readonly amount_msat?: bigint;
  readonly min_final_cltv_expiry?: number;
}

/** A hook payload as JSON (amounts as numbers, CLN's current form). */
export interface HtlcPayloadJson {
  onion: {
    payload: string;
    type: 'tlv';
    forward_msat: number | string;
    outgoing_cltv_value: number;
    total_msat?: number | string;
    payment_secret?: string;
    payment_metadata?: string;
    path_id?: string;
    next_onion: string;
    shared_secret: string;
  };
  htlc: {
    short_channel_id: string;
    id: number;
    amount_msat: number | string;
    cltv_expiry: number;
    cltv_expiry_relative: number;
    payment_hash: string;
  };
}

/** The payment target of a BOLT11 invoice string. */
export function targetFromInvoice(invstring: string): PayTarget {
  const d = decodeBolt11(invstring);
  return {
    payment_hash: d.payment_hash,
    ...(d.payment_secret && { payment_secret: d.payment_secret }),
    ...(d.amount_msat !== undefined && { amount_msat: d.amount_msat }),
    min_final_cltv_expiry: d.min_final_cltv_expiry,
  };
}

export interface PayOptions {
  /** Amount of each part (msat); default: the invoice amount split evenly into `parts`. */
  readonly amounts?: readonly bigint[];
  /** Number of equal parts when `amounts` is not given (default 1); the remainder goes to the last. */
  readonly parts?: number;
  /** Sent as `total_msat` (with the secret); default the sum of the parts. null: omit it. */
  readonly total_msat?: bigint | null;
  /** Overrides the invoice's secret; null sends none. */
  readonly payment_secret?: Uint8Array | null;
  readonly path_id?: Uint8Array;
  readonly payment_metadata?: Uint8Array;
  /** Blocks above the current height for cltv_expiry (default cltv delta + 2). */
  readonly cltv_delta?: number;
  /** HTLC amount minus onion forward_msat (negative: the HTLC carries less than the onion says). */
  readonly htlc_extra_msat?: bigint;
  /** outgoing_cltv_value minus cltv_expiry (positive: the onion asks more than the HTLC has). */
  readonly onion_cltv_extra?: number;
  /** Amounts as the old "123msat" strings. */
  readonly msat_strings?: boolean;
}

/** Builds payloads with fresh HTLC ids, spread over a few channels as a real node would see them. */
export class TestPayer {
  private nextId = 0;
  private readonly channels: readonly string[];
  /** The node's current height; cltv_expiry_relative is computed from it. */
  blockheight: number;
  constructor(opts: { blockheight?: number; channels?: readonly string[] } = {}) {
    this.blockheight = opts.blockheight ?? 800_000;
    this.channels = opts.channels ?? ['103x1x0', '104x2x1', '105x3x0'];
  }

  /** Payloads for one payment of `target`. */
  pay(target: PayTarget, o: PayOptions = {}): HtlcPayloadJson[] {
    let amounts = o.amounts;
    if (!amounts) {
      if (target.amount_msat === undefined) throw new Error('any-amount invoice: give amounts');
      const n = BigInt(o.parts ?? 1);
      const each = target.amount_msat / n;
      amounts = Array.from({ length: Number(n) }, (_, i) =>
        i === Number(n) - 1 ? target.amount_msat! - each * (n - 1n) : each,
      );
    }
    const sum = amounts.reduce((a, b) => a + b, 0n);
    const secret = o.payment_secret === null ? undefined : (o.payment_secret ?? target.payment_secret);
    const total = o.total_msat === null ? undefined : (o.total_msat ?? sum);
    const delta = o.cltv_delta ?? (target.min_final_cltv_expiry ?? 18) + 2;
    const amt = (v: bigint) => (o.msat_strings ? `${v}msat` : Number(v));
    return amounts.map((a) => {
      const id = this.nextId++;
      const cltv_expiry = this.blockheight + delta;
      const htlcAmount = a + (o.htlc_extra_msat ?? 0n);
      return {
        onion: {
          payload: '00',
          type: 'tlv',
          forward_msat: amt(a),
          outgoing_cltv_value: cltv_expiry + (o.onion_cltv_extra ?? 0),
          // CLN prints total_msat only together with payment_secret (they share one onion TLV).
          ...(secret !== undefined && total !== undefined && { total_msat: amt(total) }),
          ...(secret !== undefined && { payment_secret: toHex(secret) }),
          ...(o.path_id && { path_id: toHex(o.path_id) }),
          ...(o.payment_metadata && { payment_metadata: toHex(o.payment_metadata) }),
          next_onion: '00'.repeat(1366),
          shared_secret: '11'.repeat(32),
        },
        htlc: {
          short_channel_id: this.channels[id % this.channels.length]!,
          id,
          amount_msat: amt(htlcAmount),
          cltv_expiry,
          cltv_expiry_relative: delta,
          payment_hash: toHex(target.payment_hash),
        },
      };
    });
  }
}

/** A decoded BOLT 4 failure message: its code, name and every data field. */
export type DecodedFailure =
  | { code: 0x400f; name: 'incorrect_or_unknown_payment_details'; htlc_msat: bigint; height: number }
  | { code: 18; name: 'final_incorrect_cltv_expiry'; cltv_expiry: number }
  | { code: 19; name: 'final_incorrect_htlc_amount'; incoming_htlc_amt: bigint }
  | { code: 0x4016; name: 'invalid_onion_payload'; type: bigint; offset: number }
  | { code: 23; name: 'mpp_timeout' };

/** Decodes a failure_message (hex), refusing truncated data and trailing bytes. */
export function decodeFailure(hex: string): DecodedFailure {
  const b = Buffer.from(hex, 'hex');
  if (b.toString('hex') !== hex.toLowerCase()) throw new Error(`not hex: ${hex}`);
  let at = 0;
  const need = (n: number) => {
    if (at + n > b.length) throw new Error(`failure message truncated: ${hex}`);
    const start = at;
    at += n;
    return start;
  };
  const u16 = () => b.readUInt16BE(need(2));
  const u32 = () => b.readUInt32BE(need(4));
  const u64 = () => b.readBigUInt64BE(need(8));
  const bigsize = (): bigint => {
    const first = b[need(1)]!;
    if (first < 0xfd) return BigInt(first);
    const v = first === 0xfd ? BigInt(u16()) : first === 0xfe ? BigInt(u32()) : u64();
    const min = first === 0xfd ? 0xfdn : first === 0xfe ? 0x10000n : 0x100000000n;
    if (v < min) throw new Error('non-minimal bigsize');
    return v;
  };
  const code = u16();
  let out: DecodedFailure;
  switch (code) {
    case 0x400f:
      out = { code, name: 'incorrect_or_unknown_payment_details', htlc_msat: u64(), height: u32() };
      break;
    case 18:
      out = { code, name: 'final_incorrect_cltv_expiry', cltv_expiry: u32() };
      break;
    case 19:
      out = { code, name: 'final_incorrect_htlc_amount', incoming_htlc_amt: u64() };
      break;
    case 0x4016:
      out = { code, name: 'invalid_onion_payload', type: bigsize(), offset: u16() };
      break;
    case 23:
      out = { code, name: 'mpp_timeout' };
      break;
    default:
      throw new Error(`unexpected failure code ${code.toString(16)}`);
  }
  if (at !== b.length) throw new Error(`trailing bytes in failure message: ${hex}`);
  return out;
}
