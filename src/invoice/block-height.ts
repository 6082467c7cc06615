/**
 * The node's block height as the daemon knows it (`getinfo.blockheight`, kept across restarts).
 *
 * Where a height comes from decides how far it is trusted:
 * - `setblockheight` (the node's bridge at start and on every block, or the operator) is trusted: any
 *   height below the locktime threshold; a lower one than the known height only with `force` (to undo a
 *   wrong height), and without it a clear refusal (BlockHeightError);
 * - an HTLC for one of our invoices reports the node's height (`cltv_expiry - cltv_expiry_relative`):
 *   it may raise the height by at most `MAX_HTLC_HEIGHT_JUMP` blocks over the last known one, so one
 *   bogus HTLC cannot move it far. An HTLC for a hash we do not know never moves it (the caller's rule).
 *
 * Each HTLC is checked against the height it reports itself (as Core Lightning checks against its
 * current height), so this stored height serves `getinfo`, not payments.
 */

/**
 * Heights at or above 500,000,000 are times in a locktime (BIP 65): never a block height, and far
 * beyond any chain's tip.
 */
export const MAX_BLOCKHEIGHT = 499_999_999;

/** How far one HTLC may raise a known height: two weeks of blocks. */
export const MAX_HTLC_HEIGHT_JUMP = 2016;

/** Why `set` refused a height. */
export class BlockHeightError extends Error {
  override readonly name = 'BlockHeightError';
  constructor(
    readonly kind: 'Lower',
    message: string,
  ) {
    super(message);
  }
}

/** Where the height is kept (the engine's write queue). */
export interface BlockHeightStore {
  /** Raises the stored height to `height` if it is higher (not waited for). */
  raise(height: number): void;
  /** Writes `height` as is, also lower than the stored one. */
  write(height: number): Promise<void>;
}

export interface BlockHeight {
  /** The height known, 0 if none yet. */
  current(): number;
  /**
   * An HTLC for one of our invoices reported `height`: taken if it is higher and within the allowed
   * jump (any sane height while none is known). Returns true when taken.
   */
  fromHtlc(height: number): boolean;
  /**
   * A trusted source sets the height: raised, or with `force` also lowered. Resolves to the height now
   * known; throws BlockHeightError for a lower height without `force`.
   */
  set(height: number, force: boolean): Promise<number>;
  /** What `set` would refuse (`check setblockheight`), changing nothing. */
  checkSet(height: number, force: boolean): void;
}

/** True for a height that can be a block height. */
export function isSaneBlockheight(height: number): boolean {
  return Number.isSafeInteger(height) && height >= 0 && height <= MAX_BLOCKHEIGHT;
}

/**
 * Builds the tracker, starting at `initial` (the stored height; one out of range, which an HTLC could
 * store before these rules, counts as unknown). `onRefused` hears of each HTLC height refused as a jump.
 */
export function createBlockHeight(opts: {
  readonly initial: number;
  readonly store?: BlockHeightStore;
  readonly onRefused?: (height: number, known: number) => void;
}): BlockHeight {
  let height = isSaneBlockheight(opts.initial) ? opts.initial : 0;
  function checkSet(h: number, force: boolean): void {
    if (!isSaneBlockheight(h)) throw new RangeError(`block height ${h} out of range`);
    if (h < height && !force) {
      throw new BlockHeightError('Lower', `blockheight ${h} is below the current block height ${height}: pass force=true to set it back`);
    }
  }
  return {
    current: () => height,
    fromHtlc(h) {
      if (!isSaneBlockheight(h) || h <= height) return false;
      if (height > 0 && h - height > MAX_HTLC_HEIGHT_JUMP) {
        opts.onRefused?.(h, height);
        return false;
      }
      height = h;
      opts.store?.raise(h);
      return true;
    },
    checkSet,
    async set(h, force) {
      checkSet(h, force);
      if (h > height) {
        height = h;
        opts.store?.raise(h);
      } else if (h < height) {
        await opts.store?.write(h);
        height = h;
      }
      return height;
    },
  };
}
