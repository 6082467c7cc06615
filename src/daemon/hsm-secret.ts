/**
 * The node secret file, `hsm_secret`, read exactly as Core Lightning reads its own (common/hsm_secret.c),
 * so that `--hsm-secret` pointed at a CLN node's file gives that node's id and `makesecret` values.
 *
 * CLN tells the formats apart by length and content (detect_hsm_secret_type):
 * - exactly 32 bytes: the legacy plain seed;
 * - exactly 73 bytes: the legacy seed encrypted with a passphrase (xchacha20poly1305 secretstream);
 * - otherwise, at least 33 bytes: a 32-byte hash followed by a BIP39 mnemonic (English words, single
 *   spaces, no newline). The hash is all zeros when there is no passphrase, else SHA256 of the BIP39 seed
 *   derived with the passphrase. The seed is then the mnemonic's 64-byte BIP39 seed.
 * The daemon reads the plain and the no-passphrase mnemonic formats; the two passphrase formats get an
 * error saying so.
 */
import { constants as fsConstants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { decodeUtf8 } from '../util/bytes.js';
import type { RandomSource } from '../util/clock.js';
import { createSecretFile, errnoOf, messageOf } from '../util/secret-file.js';

/** Length of the plain format (CLN's HSM_SECRET_PLAIN_SIZE). */
export const HSM_SECRET_PLAIN_LEN = 32;
/** Length of CLN's legacy encrypted format: 24-byte header + 32-byte secret + 17-byte tag. */
export const HSM_SECRET_ENCRYPTED_LEN = 73;
/** Length of the passphrase hash that precedes a mnemonic. */
const PASSPHRASE_HASH_LEN = 32;

/** Options for `loadHsmSecret`. */
export interface LoadHsmSecretOptions {
  /** Create a new plain 32-byte file when none exists (never overwrites one that does). */
  readonly create: boolean;
  /** Randomness for a new file; default the CSPRNG. Tests inject it. */
  readonly random?: RandomSource;
}

/**
 * Reads the seed from the hsm_secret file at `path`, creating a plain one (mode 0400, from the CSPRNG)
 * when `create` is set and there is none. Refuses a file that group or others may access.
 * @returns the seed: 32 bytes for the plain format, the 64-byte BIP39 seed for a mnemonic.
 * @throws Error with a message naming the file and what is wrong.
 */
export async function loadHsmSecret(path: string, opts: LoadHsmSecretOptions): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(path, fsConstants.O_RDONLY);
  } catch (e) {
    if (errnoOf(e) !== 'ENOENT') throw new Error(`hsm_secret ${path}: cannot open: ${messageOf(e)}`);
    if (!opts.create) throw new Error(`hsm_secret ${path} does not exist`);
    await createHsmSecret(path, opts.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n))));
    // A dangling symlink makes O_EXCL refuse to create and this open fail: say so plainly.
    fh = await open(path, fsConstants.O_RDONLY).catch((e: unknown) => {
      throw new Error(`hsm_secret ${path}: cannot open: ${messageOf(e)}`);
    });
  }
  try {
    // The checks apply to what was opened (a symlink's target, as CLN follows symlinks too).
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`hsm_secret ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(
        `hsm_secret ${path} is accessible by group or others (mode ${mode}); ` +
          `it holds the node key: run chmod 0400 ${path}`,
      );
    }
    const bytes = new Uint8Array(await fh.readFile());
    try {
      return parseHsmSecret(bytes);
    } finally {
      bytes.fill(0);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The seed held by hsm_secret file contents (pure: no I/O).
 * @throws Error for the passphrase formats, a bad mnemonic or contents of no known format.
 * @example parseHsmSecret(new Uint8Array(32).fill(1)) // → those 32 bytes
 */
export function parseHsmSecret(bytes: Uint8Array): Uint8Array {
  const len = bytes.length;
  if (len < HSM_SECRET_PLAIN_LEN) {
    throw new Error(`invalid hsm_secret: ${len} bytes, expected 32 bytes or a BIP39 mnemonic`);
  }
  if (len === HSM_SECRET_PLAIN_LEN) return bytes.slice();
  if (len === HSM_SECRET_ENCRYPTED_LEN) {
    throw new Error(
      'encrypted hsm_secret (73 bytes, protected by a passphrase) is not supported yet: ' +
        'decrypt it with `lightning-hsmtool decrypt` first',
    );
  }
  // One trailing newline (editors add one) is not part of the words.
  const mnemonic = decodeUtf8(bytes.subarray(PASSPHRASE_HASH_LEN))?.replace(/\r?\n$/, '');
  const noPassphrase = bytes.subarray(0, PASSPHRASE_HASH_LEN).every((b) => b === 0);
  if (!noPassphrase) {
    // CLN reads any other length with a non-zero hash as "mnemonic with passphrase"; say so only when
    // a mnemonic really follows, so that a truncated or garbage file is called what it is.
    if (mnemonic !== undefined && validateMnemonic(mnemonic, wordlist)) {
      throw new Error('hsm_secret with a mnemonic and a passphrase is not supported yet');
    }
    throw new Error(`invalid hsm_secret: ${len} bytes of no known format`);
  }
  if (mnemonic === undefined || !validateMnemonic(mnemonic, wordlist)) {
    throw new Error('invalid hsm_secret: the mnemonic after the 32 zero bytes is not a valid BIP39 English mnemonic');
  }
  // BIP39 seed with the empty passphrase (CLN passes NULL, which libwally treats as "").
  return mnemonicToSeedSync(mnemonic, '');
}

/**
 * Creates a plain hsm_secret as CLN's hsmd does: O_CREAT|O_EXCL (never overwrites, also under a race),
 * mode 0400, fsync of the file and of its directory before use.
 */
async function createHsmSecret(path: string, random: RandomSource): Promise<void> {
  const seed = random(HSM_SECRET_PLAIN_LEN);
  if (seed.length !== HSM_SECRET_PLAIN_LEN) throw new Error('random source returned the wrong length');
  let created: boolean;
  try {
    created = await createSecretFile(path, seed, 0o400, 'hsm_secret');
  } finally {
    seed.fill(0);
  }
  if (!created) return;
  // A umask cannot add bits, but check anyway so a surprise is reported here rather than at read time.
  const st = await stat(path);
  if ((st.mode & 0o777) !== 0o400) throw new Error(`hsm_secret ${path}: created with mode ${(st.mode & 0o777).toString(8)}`);
}
