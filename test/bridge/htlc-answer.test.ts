import { describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { htlcAnswerProblem } from '../../src/bridge/cln/htlc-answer.js';
import { parseJson } from '../../src/rpc/json-reader.js';
import { toHex } from '../../src/util/hex.js';

const preimage = '11'.repeat(32);
const hash = toHex(sha256(Buffer.from(preimage, 'hex')));
const check = (answer: unknown) => htlcAnswerProblem(parseJson(JSON.stringify(answer)), hash);

describe('which daemon answers are passed on to lightningd', () => {
  it('passes the three results of the contract', () => {
    expect(check({ result: 'continue' })).toBeUndefined();
    expect(check({ result: 'fail', failure_message: '400f' })).toBeUndefined();
    expect(check({ result: 'resolve', payment_key: preimage })).toBeUndefined();
  });

  it('holds back anything lightningd would stop on, or that is not this HTLC’s preimage', () => {
    expect(check('continue')).toBe('not an object');
    expect(check({})).toBe('no result');
    expect(check({ result: 'settle' })).toBe('unknown result settle');
    expect(check({ result: 'fail' })).toBe('fail without a hex failure_message');
    expect(check({ result: 'fail', failure_message: 'zz' })).toBe('fail without a hex failure_message');
    expect(check({ result: 'resolve' })).toBe('resolve without a 32-byte payment_key');
    expect(check({ result: 'resolve', payment_key: '11' })).toBe('resolve without a 32-byte payment_key');
    expect(check({ result: 'resolve', payment_key: '22'.repeat(32) })).toBe("resolve with a payment_key that is not this HTLC's preimage");
    expect(check({ result: 'continue', forward_to: 'x' })).toBe('unexpected forward_to');
  });
});
