import { describe, expect, expectTypeOf, it } from 'vitest';
import { badParamLogLine, bindParams, defineCommand, MAX_LOGGED_TOKEN, opt, optSecret, req, type Bound } from '../../src/rpc/command.js';
import type { Msat } from '../../src/util/msat.js';
import { parseJson } from '../../src/rpc/json-reader.js';
import { RpcError } from '../../src/rpc/errors.js';
import { bool, label, msatOrAny, preimage, u64 } from '../../src/rpc/params.js';

const table = {
  amount_msat: req(msatOrAny, 'the amount'),
  label: req(label, 'the label'),
  expiry: opt(u64, 'the expiry'),
  preimage: optSecret(preimage, 'the preimage'),
  deschashonly: opt(bool, 'hash only', false),
};

/** Binds as under `--developer` (tokens echoed) unless `echo` is false. */
function bindErr(json: string, echo = true, log?: (m: string) => void): { code: number; message: string } {
  try {
    bindParams(table, parseJson(json), log, echo);
  } catch (e) {
    if (e instanceof RpcError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('bound without error');
}

describe('bindParams', () => {
  it('binds positional and named params to the same values, defaults filled', () => {
    const a = bindParams(table, parseJson('[1000, "l", null, null, true]')).values;
    const b = bindParams(table, parseJson('{"label":"l","deschashonly":true,"amount_msat":"1sat"}')).values;
    expect(a).toEqual({ amount_msat: 1000n, label: 'l', expiry: undefined, preimage: undefined, deschashonly: true });
    expect(b).toEqual(a);
  });

  it('treats null positions (and null members) as not supplied', () => {
    expect(bindErr('[null, "l"]').message).toBe('missing required parameter: amount_msat');
    expect(bindParams(table, parseJson('{"amount_msat":"any","label":"x","expiry":null}')).values['expiry']).toBeUndefined();
  });

  it.each([
    ['"x"', 'Expected array or object for params'],
    ['[1,"l",1,null,true,6]', 'too many parameters: got 6, expected 5'],
    [
      '{"amount_msat":1,"label":"l","bogus":1}',
      'unknown parameter: bogus, this may be caused by a failure to autodetect key=value-style parameters. Please try using the -k flag and explicit key=value pairs of parameters.',
    ],
    ['{"amount_msat":1,"label":"l","label":"m"}', 'duplicate json names: label'],
    ['{"label":"l"}', 'missing required parameter: amount_msat'],
    ['[1]', 'missing required parameter: label'],
    ['[0, "l"]', "amount_msat: should be positive msat or 'any': invalid token '0'"],
    ['["0msat", "l"]', "amount_msat: should be positive msat or 'any': invalid token '\"0msat\"'"],
    ['[1, "l", -5]', "expiry: should be an unsigned 64 bit integer: invalid token '-5'"],
    ['[1, {"a": [1]}]', 'label: should be a string or number: invalid token \'{"a": [1]}\''],
    ['[1, "l", null, "zz"]', 'preimage: should be 64 hex digits: invalid token \'"zz"\''],
  ])('%s → %s', (json, message) => {
    expect(bindErr(json)).toEqual({ code: -32602, message });
  });

  it('reports the first bad parameter in declaration order before missing ones', () => {
    expect(bindErr('{"expiry":"x"}').message).toBe("expiry: should be an unsigned 64 bit integer: invalid token '\"x\"'");
  });

  it('without --developer, answers "see logs" and logs the token at info as CLN does', () => {
    const logs: string[] = [];
    expect(bindErr('[1, "l", -5]', false, (m) => logs.push(m))).toEqual({
      code: -32602,
      message: 'expiry: should be an unsigned 64 bit integer: invalid token (see logs for details)',
    });
    expect(logs).toEqual(["Invalid parameter expiry (should be an unsigned 64 bit integer): token '-5'"]);
    // A string token is logged as its JSON text, quotes and escapes included.
    logs.length = 0;
    bindErr('[1, "l", "a\\"b"]', false, (m) => logs.push(m));
    expect(logs).toEqual(['Invalid parameter expiry (should be an unsigned 64 bit integer): token \'"a\\"b"\'']);
  });

  it('with --developer (echo), logs nothing', () => {
    const logs: string[] = [];
    bindErr('[1, "l", -5]', true, (m) => logs.push(m));
    expect(logs).toEqual([]);
  });

  it('never logs a refused secret token', () => {
    const logs: string[] = [];
    expect(bindErr('[1,"l",null,"deadbeef"]', false, (m) => logs.push(m)).message).toBe(
      'preimage: should be 64 hex digits: invalid token (see logs for details)',
    );
    expect(logs.join()).not.toContain('deadbeef');
    expect(logs).toEqual(['Invalid parameter preimage (should be 64 hex digits): token withheld (secret)']);
  });

  it('withholds a member named as a secret (SECRET_NAMES) even when the declaration does not say so', () => {
    expect(badParamLogLine('onion.payment_secret', 'should be 32 bytes of hex', parseJson('"beef"'), false)).toBe(
      'Invalid parameter onion.payment_secret (should be 32 bytes of hex): token withheld (secret)',
    );
    expect(badParamLogLine('payment_preimage', 'r', parseJson('"beef"'), false)).toBe('Invalid parameter payment_preimage (r): token withheld (secret)');
    expect(badParamLogLine('htlc.payment_hash', 'r', parseJson('"beef"'), false)).toBe('Invalid parameter htlc.payment_hash (r): token \'"beef"\'');
  });

  it('withholds a token shaped like a secret whatever parameter it was sent as (a preimage in the wrong place)', () => {
    const preimage = 'ab'.repeat(32);
    const logs: string[] = [];
    expect(bindErr(`[1,"l","${preimage}"]`, false, (m) => logs.push(m)).message).toMatch(/^expiry: .*: invalid token \(see logs for details\)$/);
    expect(logs.join()).not.toContain(preimage);
    expect(logs).toEqual([expect.stringMatching(/^Invalid parameter expiry .*: token withheld \(\d+ characters holding 32 bytes or more of hex, which could be a secret\)$/)]);
    // 63 hex digits is no secret's shape: logged as CLN does.
    expect(badParamLogLine('expiry', 'r', parseJson(`"${preimage.slice(1)}"`), false)).toBe(`Invalid parameter expiry (r): token '"${preimage.slice(1)}"'`);
  });

  it(`logs a token of up to ${MAX_LOGGED_TOKEN} characters whole, and cuts a longer one, saying so`, () => {
    const fits = `"${'x'.repeat(MAX_LOGGED_TOKEN - 2)}"`;
    expect(badParamLogLine('label', 'r', parseJson(fits), false)).toBe(`Invalid parameter label (r): token '${fits}'`);
    const long = `"${'y'.repeat(100_000)}"`;
    expect(badParamLogLine('label', 'r', parseJson(long), false)).toBe(
      `Invalid parameter label (r): token '${long.slice(0, MAX_LOGGED_TOKEN)}...' (truncated: 100002 characters, first ${MAX_LOGGED_TOKEN} logged)`,
    );
  });

  it('derives CLN usage text from the table', () => {
    const c = defineCommand({ name: 'demo', params: table, result: 'x', run: async () => ({}), check: 'params' });
    expect(c.usage).toBe('demo amount_msat label [expiry] [preimage] [deschashonly]');
    expect(defineCommand({ name: 'getinfo', params: {}, result: 'x', run: async () => ({}), check: 'run' }).usage).toBe('getinfo');
  });
});

describe('types', () => {
  it('a handler sees its params fully typed: required, optional and defaulted', () => {
    expectTypeOf<Bound<typeof table>>().toEqualTypeOf<{
      readonly amount_msat: Msat | 'any';
      readonly label: string;
      readonly expiry: bigint | undefined;
      readonly preimage: Uint8Array | undefined;
      readonly deschashonly: boolean;
    }>();
    defineCommand({
      name: 't',
      params: table,
      result: 'x',
      run: async (p) => {
        // @ts-expect-error expiry may be undefined
        const n: bigint = p.expiry;
        return n;
      },
      check: 'params',
    });
  });

  it('a parameter cannot be declared without its meaning, nor a command without its result', () => {
    // @ts-expect-error a required parameter needs its meaning
    req(u64);
    // @ts-expect-error an optional one too
    opt(u64);
    // @ts-expect-error with a default, the meaning comes first
    opt(bool, false);
    // @ts-expect-error a secret one too
    optSecret(preimage);
    // @ts-expect-error a command needs its result in words
    defineCommand({ name: 't', params: {}, run: async () => ({}), check: 'params' });
  });
});
