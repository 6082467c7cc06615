/**
 * Bitcoin address ⇄ fallback: BIP-173/BIP-350 and base58check vectors, network checks, and round trips.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AddressError, encodeAddress, fallbackScript, parseAddress, type AddressErrorKind } from '../../src/util/address.js';
import { toHex } from '../../src/util/hex.js';
import { NETWORKS, type Network } from '../../src/util/network.js';

/** Valid addresses (BIP-173, BIP-350, BOLT 11 examples) with their scriptPubKey. */
const VALID: [string, Network, string][] = [
  ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', 'bitcoin', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
  ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'testnet', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'],
  ['tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', 'signet', '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', 'testnet', '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433'],
  ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', 'bitcoin', '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'],
  ['BC1SW50QGDZ25J', 'bitcoin', '6002751e'],
  ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', 'bitcoin', '5210751e76e8199196d454941c45d1b3a323'],
  ['bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', 'bitcoin', '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262'],
  ['1RustyRX2oai4EYYDpQGWvEL62BBGqN9T', 'bitcoin', '76a91404b61f7dc1ea0dc99424464cc4064dc564d91e8988ac'],
  ['3EktnHQD7RiAE6uzMj2ZifT9YgRrkSgzQX', 'bitcoin', 'a9148f55563b9a19f321c211e9b9f38cdf686ea0784587'],
  ['mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP', 'testnet', '76a9143172b5654f6683c8fb146959d347ce303cae4ca788ac'],
  ['mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP', 'regtest', '76a9143172b5654f6683c8fb146959d347ce303cae4ca788ac'],
];

function refusal(addr: string, network: Network): { kind: AddressErrorKind; message: string } {
  try {
    parseAddress(addr, network);
  } catch (e) {
    expect(e).toBeInstanceOf(AddressError);
    return { kind: (e as AddressError).kind, message: (e as AddressError).message };
  }
  throw new Error(`${addr} parsed, but should have been refused`);
}

describe('parseAddress / encodeAddress', () => {
  it.each(VALID)('%s on %s has script %s and re-encodes to itself', (addr, network, script) => {
    const f = parseAddress(addr, network);
    expect(toHex(fallbackScript(f) as Uint8Array)).toBe(script);
    const segwit = /^(bc|tb|bcrt)1/i.test(addr);
    expect(encodeAddress(f, network)).toBe(segwit ? addr.toLowerCase() : addr);
  });

  it.each([
    // BIP-350 invalid vectors that have a known hrp, plus our own.
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'witness v1 address with the wrong checksum variant'],
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'witness v0 address with the wrong checksum variant'],
    ['bc1gmk9yu', 'not a valid segwit address'],
    ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7', 'not a valid segwit address'],
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'not a valid segwit address'],
    // v1 other than 32 bytes: valid per BIP-350, but refused as a fallback (as Core Lightning's decoder does).
    ['bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y', 'witness v1 program of 40 bytes'],
    ['1RustyRX2oai4EYYDpQGWvEL62BBGqN9U', 'not a valid address'],
    ['tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', 'not a valid address'],
    ['', 'not a valid address'],
    ['not an address at all', 'not a valid address'],
  ])('refuses %s: %s', (addr, message) => {
    expect(refusal(addr, 'bitcoin')).toEqual({ kind: 'InvalidAddress', message });
  });

  it.each([
    ['tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', 'bitcoin', 'address is for another network (tb), not bitcoin'],
    ['bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', 'testnet', 'address is for another network (bc), not testnet'],
    ['bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', 'regtest', 'address is for another network (bc), not regtest'],
    ['1RustyRX2oai4EYYDpQGWvEL62BBGqN9T', 'signet', 'address is for another network (version byte 0), not signet'],
    ['mk2QpYatsKicvFVuTAQLBryyccRXMUaGHP', 'bitcoin', 'address is for another network (version byte 111), not bitcoin'],
  ] as [string, Network, string][])('%s is valid but not for %s', (addr, network, message) => {
    expect(refusal(addr, network)).toEqual({ kind: 'WrongNetwork', message });
  });

  it('a regtest segwit address is refused on mainnet as another network', () => {
    const addr = encodeAddress({ version: 0, program: new Uint8Array(20).fill(7) }, 'regtest');
    expect(addr.startsWith('bcrt1q')).toBe(true);
    expect(refusal(addr, 'bitcoin').kind).toBe('WrongNetwork');
  });

  it('encodes testnet P2SH with version byte 0xc4 (a 2… address)', () => {
    const addr = encodeAddress({ version: 18, program: new Uint8Array(20).fill(9) }, 'testnet');
    expect(addr.startsWith('2')).toBe(true);
  });

  it('refuses to encode programs that have no valid address', () => {
    expect(() => encodeAddress({ version: 0, program: new Uint8Array(21) }, 'bitcoin')).toThrow('witness v0 program of 21 bytes');
    expect(() => encodeAddress({ version: 17, program: new Uint8Array(21) }, 'bitcoin')).toThrow('hash160 of 21 bytes');
    expect(() => encodeAddress({ version: 19, program: new Uint8Array(20) }, 'bitcoin')).toThrow('witness version 19 out of range');
  });

  it('round-trips every kind of program on every network', () => {
    const program = fc.oneof(
      fc.record({ version: fc.constantFrom(17, 18), program: fc.uint8Array({ minLength: 20, maxLength: 20 }) }),
      fc.record({ version: fc.constant(0), program: fc.oneof(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.uint8Array({ minLength: 32, maxLength: 32 })) }),
      fc.record({ version: fc.constant(1), program: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
      fc.record({ version: fc.integer({ min: 2, max: 16 }), program: fc.uint8Array({ minLength: 2, maxLength: 40 }) }),
    );
    fc.assert(
      fc.property(program, fc.constantFrom(...NETWORKS), (f, network) => {
        const back = parseAddress(encodeAddress(f, network), network);
        expect(back.version).toBe(f.version);
        expect(toHex(back.program)).toBe(toHex(f.program));
      }),
      { numRuns: 500, seed: 11 },
    );
  });
});
