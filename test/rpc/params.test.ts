import { describe, expect, it } from 'vitest';
import { parseJson } from '../../src/rpc/json-reader.js';
import * as P from '../../src/rpc/params.js';
import { isFail, type Parser } from '../../src/rpc/params.js';

/** Runs a parser on a JSON text; returns the value or 'FAIL: reason'. */
function run<T>(parser: Parser<T>, json: string): T | string {
  const v = parser(parseJson(json));
  return isFail(v) ? `FAIL: ${v.reason}` : v;
}

/** noble-style hostile values (STYLE 3): none may be accepted by a numeric, hex or amount parser. */
const HOSTILE = ['-1', '1e309', '1.5', '""', '"0x10"', '"-1"', '" 1"', '{"a":1}', '[1]', 'null', 'true', '"NaN"', '-0', '18446744073709551616', '"1e3"'];

describe('integer parsers', () => {
  it('u64 accepts exact integers up to 2^64-1, as numbers or digit strings', () => {
    expect(run(P.u64, '0')).toBe(0n);
    expect(run(P.u64, '18446744073709551615')).toBe(18446744073709551615n);
    expect(run(P.u64, '"42"')).toBe(42n);
    expect(run(P.u64, '9007199254740993')).toBe(9007199254740993n);
  });
  it.each(HOSTILE)('u64 refuses %s', (h) => {
    expect(run(P.u64, h)).toBe('FAIL: should be an unsigned 64 bit integer');
  });
  it('u32 accepts up to 2^32-1 only', () => {
    expect(run(P.u32, '4294967295')).toBe(4294967295);
    expect(run(P.u32, '4294967296')).toBe('FAIL: should be an unsigned 32 bit integer');
    for (const h of HOSTILE) expect(run(P.u32, h)).toBe('FAIL: should be an unsigned 32 bit integer');
  });
  it('u64NonZero refuses 0 with CLN reason', () => {
    expect(run(P.u64NonZero, '0')).toBe('FAIL: Must be non-zero');
    expect(run(P.u64NonZero, '7')).toBe(7n);
  });
});

describe('amounts (parse_amount_msat)', () => {
  it.each([
    ['1000', 1000n],
    ['"1000"', 1000n],
    ['"1000msat"', 1000n],
    ['"5sat"', 5000n],
    ['"1btc"', 100_000_000_000n],
    ['"0.00000000001btc"', 1n],
    ['"0.1btc"', 10_000_000_000n],
    ['"21000000btc"', 2_100_000_000_000_000_000n],
  ])('%s = %s msat', (json, v) => {
    expect(run(P.amountMsat, json)).toBe(v);
    expect(run(P.msatOrAny, json)).toBe(v);
  });
  it.each(['"1.5sat"', '"0.000000000001btc"', '"1.btc"', '".5btc"', '"1 sat"', '"1SAT"', '"1msats"', '18446744073709551616', '"184467440737095516160sat"', ...HOSTILE])(
    'refuses %s',
    (json) => {
      expect(run(P.amountMsat, json)).toBe('FAIL: should be a millisatoshi amount');
    },
  );
  it.each(['2100000000000000001', '"2100000000000001sat"', '"21000000.00000000001btc"', '18446744073709551615'])(
    'refuses %s: above the total supply of bitcoin',
    (json) => {
      const reason = 'FAIL: exceeds the total supply of 21 million bitcoin (2100000000000000000msat)';
      expect(run(P.amountMsat, json)).toBe(reason);
      expect(run(P.msatOrAny, json)).toBe(reason);
    },
  );
  it("msatOrAny: 'any', and zero in every spelling is refused", () => {
    expect(run(P.msatOrAny, '"any"')).toBe('any');
    for (const z of ['0', '"0"', '"0msat"', '"0sat"', '"0btc"', '"0.0btc"', '"ANY"', '"anything"']) {
      expect(run(P.msatOrAny, z)).toBe("FAIL: should be positive msat or 'any'");
    }
  });
});

describe('strings', () => {
  it('escapedString refuses \\u escapes and non-strings, un-escapes the rest', () => {
    expect(run(P.escapedString, '"a\\"b\\\\c\\n\\t"')).toBe('a"b\\c\n\t');
    expect(run(P.escapedString, '"caf\\u00e9"')).toBe('FAIL: should be a string (without \\u)');
    expect(run(P.escapedString, '[["text/plain","x"]]')).toBe('FAIL: should be a string (without \\u)');
    expect(run(P.escapedString, '"\\\\u0041"')).toBe('\\u0041'); // an escaped backslash, not a \u escape
    expect(run(P.escapedString, '""')).toBe('');
  });
  it('label: strings as given, numbers as their token text', () => {
    expect(run(P.label, '"01"')).toBe('01');
    expect(run(P.label, '25')).toBe('25');
    expect(run(P.label, '1e3')).toBe('1e3');
    for (const h of ['null', 'true', '[1]', '{"a":1}']) expect(run(P.label, h)).toBe('FAIL: should be a string or number');
  });
  it('invstring strips lightning: in any case and lowercases', () => {
    expect(run(P.invstring, '"LIGHTNING:LNBC1ABC"')).toBe('lnbc1abc');
    expect(run(P.invstring, '"lnbc1abc"')).toBe('lnbc1abc');
    expect(run(P.invstring, '5')).toBe('FAIL: should be a string');
  });
});

describe('hex', () => {
  const hash = 'ab'.repeat(32);
  it('sha256 and preimage take exactly 64 hex digits', () => {
    expect(run(P.sha256, `"${hash}"`)).toEqual(Uint8Array.from(Buffer.from(hash, 'hex')));
    expect(run(P.preimage, `"${hash.toUpperCase()}"`)).toEqual(Uint8Array.from(Buffer.from(hash, 'hex')));
    for (const bad of [`"${hash}00"`, `"${hash.slice(2)}"`, `"0x${hash.slice(2)}"`, `"${'zz'.repeat(32)}"`, '""', ...HOSTILE]) {
      expect(run(P.sha256, bad)).toBe('FAIL: should be a 32 byte hex value');
      expect(run(P.preimage, bad)).toBe('FAIL: should be 64 hex digits');
    }
  });
});

describe('others', () => {
  it('bool takes JSON literals only', () => {
    expect(run(P.bool, 'true')).toBe(true);
    expect(run(P.bool, 'false')).toBe(false);
    for (const b of ['"true"', '1', '0', 'null']) expect(run(P.bool, b)).toBe("FAIL: should be 'true' or 'false'");
  });
  it('enumerations', () => {
    expect(run(P.listIndex, '"created"')).toBe('created');
    expect(run(P.listIndex, '"deleted"')).toBe('FAIL: unknown index');
    expect(run(P.waitIndex, '"deleted"')).toBe('deleted');
    expect(run(P.invoiceStatus, '"paid"')).toBe('paid');
    expect(run(P.invoiceStatus, '"deleted"')).toBe("FAIL: should be 'unpaid', 'paid' or 'expired'");
    expect(run(P.autocleanSubsystem, '"expiredinvoices"')).toBe('expiredinvoices');
    expect(run(P.autocleanSubsystem, '"invoices"')).toBe('FAIL: should be a valid subsystem name');
  });
  it('fallbacks and exposeprivatechannels', () => {
    expect(run(P.stringArray, '["a","b"]')).toEqual(['a', 'b']);
    expect(run(P.stringArray, '["a",1]')).toBe('FAIL: should be an array of strings');
    expect(run(P.stringArray, '"a"')).toBe('FAIL: should be an array of strings');
    expect(run(P.exposePrivateChannels, 'true')).toBe(true);
    expect(run(P.exposePrivateChannels, '"1x2x3"')).toEqual(['1x2x3']);
    expect(run(P.exposePrivateChannels, '["1x2x3","4x5x6"]')).toEqual(['1x2x3', '4x5x6']);
    expect(run(P.exposePrivateChannels, '"nope"')).toBe('FAIL: should be a short_channel_id of form NxNxN');
    expect(run(P.exposePrivateChannels, '"true"')).toBe('FAIL: should be a short_channel_id of form NxNxN');
    expect(run(P.exposePrivateChannels, '["1x2x3","x"]')).toBe('FAIL: should be a short channel id');
  });
});
