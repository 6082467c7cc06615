import { mkdtempSync, rmSync, writeFileSync, chmodSync, statSync, readFileSync, existsSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { mnemonicToSeedSync } from '@scure/bip39';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadHsmSecret, parseHsmSecret } from '../../src/daemon/hsm-secret.js';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { toHex } from '../../src/util/hex.js';

const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';
const RITUAL = 'ritual idle hat sunny universe pluck key alpha wing cake have wedding';
const enc = new TextEncoder();

/** CLN's on-disk mnemonic format: 32-byte passphrase hash (zeros without one), then the words. */
function mnemonicFile(mnemonic: string, passphrase?: string): Uint8Array {
  const head = passphrase === undefined ? new Uint8Array(32) : sha256(mnemonicToSeedSync(mnemonic, passphrase));
  const words = enc.encode(mnemonic);
  const out = new Uint8Array(32 + words.length);
  out.set(head);
  out.set(words, 32);
  return out;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'invoiced-hsm-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeSecret(name: string, bytes: Uint8Array, mode = 0o400): string {
  const p = join(dir, name);
  writeFileSync(p, bytes, { mode });
  chmodSync(p, mode);
  return p;
}

describe('parseHsmSecret', () => {
  it('gives the node id of CLN test_wallet.py for the "abandon…about" mnemonic without passphrase', () => {
    const seed = parseHsmSecret(mnemonicFile(ABANDON));
    expect(seed.length).toBe(64);
    expect(toHex(nodeKeysFromSeed(seed).nodeId)).toBe(
      '03653e90c1ce4660fd8505dd6d643356e93cfe202af109d382787639dd5890e87d',
    );
  });

  it('returns the plain 32-byte seed as it is', () => {
    const plain = new Uint8Array(32).map((_, i) => i + 1);
    expect(parseHsmSecret(plain)).toEqual(plain);
  });

  it('refuses the 73-byte encrypted format, saying it is not supported yet', () => {
    expect(() => parseHsmSecret(new Uint8Array(73).fill(7))).toThrow(
      /^encrypted hsm_secret \(73 bytes, protected by a passphrase\) is not supported yet/,
    );
  });

  it('refuses a mnemonic with a passphrase, saying it is not supported yet', () => {
    expect(() => parseHsmSecret(mnemonicFile(RITUAL, 'test_passphrase'))).toThrow(
      'hsm_secret with a mnemonic and a passphrase is not supported yet',
    );
  });

  it('refuses truncated files', () => {
    expect(() => parseHsmSecret(new Uint8Array(0))).toThrow(
      'invalid hsm_secret: 0 bytes, expected 32 bytes or a BIP39 mnemonic',
    );
    expect(() => parseHsmSecret(new Uint8Array(31).fill(1))).toThrow(
      'invalid hsm_secret: 31 bytes, expected 32 bytes or a BIP39 mnemonic',
    );
    // A mnemonic file cut short in its last word.
    expect(() => parseHsmSecret(mnemonicFile(ABANDON).subarray(0, 32 + ABANDON.length - 2))).toThrow(
      'invalid hsm_secret: the mnemonic after the 32 zero bytes is not a valid BIP39 English mnemonic',
    );
  });

  it('refuses garbage of other lengths as no known format', () => {
    expect(() => parseHsmSecret(new Uint8Array(40).fill(0xab))).toThrow('invalid hsm_secret: 40 bytes of no known format');
    // A plain secret with a newline appended is not silently accepted.
    const withNewline = new Uint8Array(33).fill(9);
    withNewline[32] = 10;
    expect(() => parseHsmSecret(withNewline)).toThrow('invalid hsm_secret: 33 bytes of no known format');
  });

  it('accepts a mnemonic with one trailing newline, as editors leave it (issue 18)', () => {
    const plain = parseHsmSecret(mnemonicFile(ABANDON));
    expect(toHex(parseHsmSecret(mnemonicFile(ABANDON + '\n')))).toBe(toHex(plain));
    expect(toHex(parseHsmSecret(mnemonicFile(ABANDON + '\r\n')))).toBe(toHex(plain));
    expect(() => parseHsmSecret(mnemonicFile(ABANDON + '\n\n'))).toThrow(/not a valid BIP39 English mnemonic/);
  });

  it('refuses a mnemonic with a bad checksum or invalid utf-8', () => {
    const badChecksum = mnemonicFile(ABANDON.replace(/about$/, 'abandon'));
    expect(() => parseHsmSecret(badChecksum)).toThrow(/not a valid BIP39 English mnemonic/);
    const notUtf8 = new Uint8Array(40);
    notUtf8.fill(0xff, 32);
    expect(() => parseHsmSecret(notUtf8)).toThrow(/not a valid BIP39 English mnemonic/);
  });
});

describe('loadHsmSecret', () => {
  it('reads a plain file', async () => {
    const plain = new Uint8Array(32).fill(1);
    const p = writeSecret('hsm_secret', plain);
    expect(await loadHsmSecret(p, { create: false })).toEqual(plain);
  });

  it('reads a mnemonic file and gives the CLN node id', async () => {
    const p = writeSecret('hsm_secret', mnemonicFile(ABANDON));
    const seed = await loadHsmSecret(p, { create: false });
    expect(toHex(nodeKeysFromSeed(seed).nodeId)).toBe(
      '03653e90c1ce4660fd8505dd6d643356e93cfe202af109d382787639dd5890e87d',
    );
  });

  it('creates a plain 32-byte file with mode 0400 from the random source', async () => {
    const p = join(dir, 'hsm_secret');
    const seed = await loadHsmSecret(p, { create: true, random: (n) => new Uint8Array(n).fill(0x42) });
    expect(seed).toEqual(new Uint8Array(32).fill(0x42));
    expect(statSync(p).mode & 0o777).toBe(0o400);
    expect(new Uint8Array(readFileSync(p))).toEqual(new Uint8Array(32).fill(0x42));
  });

  it('creates from the CSPRNG by default, and two creations differ', async () => {
    const a = await loadHsmSecret(join(dir, 'a'), { create: true });
    const b = await loadHsmSecret(join(dir, 'b'), { create: true });
    expect(a.length).toBe(32);
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('never overwrites an existing file', async () => {
    const existing = new Uint8Array(32).fill(5);
    const p = writeSecret('hsm_secret', existing);
    const seed = await loadHsmSecret(p, { create: true, random: (n) => new Uint8Array(n).fill(0x42) });
    expect(seed).toEqual(existing);
    expect(new Uint8Array(readFileSync(p))).toEqual(existing);
  });

  it('never overwrites an existing invalid file either: it fails instead', async () => {
    const p = writeSecret('hsm_secret', new Uint8Array(10).fill(5));
    await expect(loadHsmSecret(p, { create: true })).rejects.toThrow(/invalid hsm_secret: 10 bytes/);
    expect(new Uint8Array(readFileSync(p))).toEqual(new Uint8Array(10).fill(5));
  });

  it('fails when the file is missing and creation is off', async () => {
    const p = join(dir, 'missing');
    await expect(loadHsmSecret(p, { create: false })).rejects.toThrow(`hsm_secret ${p} does not exist`);
    expect(existsSync(p)).toBe(false);
  });

  it.each([0o440, 0o404, 0o600 | 0o004, 0o420])('refuses mode %o (group or others may access it)', async (mode) => {
    const p = writeSecret('hsm_secret', new Uint8Array(32).fill(1), mode);
    const shown = mode.toString(8).padStart(4, '0');
    await expect(loadHsmSecret(p, { create: false })).rejects.toThrow(
      `hsm_secret ${p} is accessible by group or others (mode ${shown}); it holds the node key: run chmod 0400 ${p}`,
    );
  });

  it('accepts mode 0600 (owner only)', async () => {
    const p = writeSecret('hsm_secret', new Uint8Array(32).fill(1), 0o600);
    expect(await loadHsmSecret(p, { create: false })).toEqual(new Uint8Array(32).fill(1));
  });

  it('follows a symlink and checks the mode of its target', async () => {
    const target = writeSecret('real_secret', new Uint8Array(32).fill(3));
    const link = join(dir, 'hsm_secret');
    symlinkSync(target, link);
    expect(await loadHsmSecret(link, { create: true })).toEqual(new Uint8Array(32).fill(3));
    chmodSync(target, 0o444);
    await expect(loadHsmSecret(link, { create: false })).rejects.toThrow(/is accessible by group or others \(mode 0444\)/);
  });

  it('refuses to create through a dangling symlink, with a clear error', async () => {
    const link = join(dir, 'hsm_secret');
    symlinkSync(join(dir, 'nowhere', 'secret'), link);
    await expect(loadHsmSecret(link, { create: true })).rejects.toThrow(`hsm_secret ${link}: cannot open: `);
  });

  it('refuses a directory', async () => {
    await expect(loadHsmSecret(dir, { create: false })).rejects.toThrow(`hsm_secret ${dir} is not a regular file`);
  });

  it('reports encrypted files clearly', async () => {
    const p = writeSecret('hsm_secret', new Uint8Array(73).fill(3));
    await expect(loadHsmSecret(p, { create: false })).rejects.toThrow(/encrypted hsm_secret .* not supported yet/);
  });
});
