/**
 * Core Lightning's dialect where a run with CLN's own client found us apart, over the built daemon's socket:
 * zero x/c fields, bad-parameter messages with and without --developer, `check` running each command's own
 * checks, CLN's field order (decode, offer, help), BOLT11 decode errors in common/bolt11.c's words, amounts
 * above all bitcoin, and BOLT 12 strings with `+` joins or mixed case.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode as independentDecode } from 'light-bolt11-decoder';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { signAndEncode } from '../../src/invoice/bolt11/encode.js';
import { bytesToWords, uintToFixedWords, wordOf } from '../../src/invoice/bolt11/words.js';
import { loadVector } from '../helpers/vectors.js';
import { daemonBuilt, daemonForSuite, startDaemon, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';

const KEYS = nodeKeysFromSeed(TEST_SEED);
const HASH = new Uint8Array(32).fill(0xaa);
const SECRET = new Uint8Array(32).fill(0x11);
type Field = [string, number[]];
const P: Field = ['p', bytesToWords(HASH)];
const S: Field = ['s', bytesToWords(SECRET)];
const D: Field = ['d', bytesToWords(new TextEncoder().encode('coffee'))];
const FEATURES: Field = ['9', [1, 0, 16, 0]]; // bits 8, 14 (compulsory) as every example sets them

/** A signed invoice with exactly these fields, in this order (to break one thing at a time). */
function raw(hrp: string, fields: Field[]): string {
  const data = uintToFixedWords(1_700_000_000, 7);
  for (const [tag, w] of fields) data.push(wordOf(tag.charCodeAt(0)), w.length >> 5, w.length & 31, ...w);
  return signAndEncode(hrp, data, (dg) => KEYS.signEcdsa(dg));
}

/** An htlc_accepted payload whose only fault is its payment_hash. */
const BAD_HTLC = {
  onion: { forward_msat: 1000, outgoing_cltv_value: 800_020, payment_secret: '00'.repeat(32), total_msat: 1000 },
  htlc: { short_channel_id: '1x1x1', id: 1, amount_msat: 1000, cltv_expiry: 800_020, cltv_expiry_relative: 20, payment_hash: 'zz' },
};

const OFFER_STRING = loadVector<{ valid: boolean; string: string }[]>('format-string-test.json')[0]!.string;

describe.skipIf(!daemonBuilt())("Core Lightning's dialect over the socket", () => {
  const suite = daemonForSuite({ network: 'bitcoin' });
  const { ok, err } = suite;
  /** The error of `check COMMAND …` and of the real call, which must be the same (params by name or position). */
  const refusal = async (command: string, params: Record<string, unknown> | unknown[]) => {
    const checked = await err('check', Array.isArray(params) ? [command, ...params] : { command_to_check: command, ...params });
    expect(await err(command, params)).toEqual(checked);
    return checked;
  };

  it('1. expiry=0 and cltv=0 are written as CLN writes them, readable by an independent decoder', async () => {
    const { bolt11 } = await ok('invoice', { amount_msat: 1000, label: 'zero-fields', description: 'z', expiry: 0, cltv: 0 });
    const ours = await ok('decode', [bolt11]);
    expect(ours).toMatchObject({ expiry: 0, min_final_cltv_expiry: 0 });
    const sections = independentDecode(bolt11).sections;
    expect(sections.find((s) => s.name === 'expiry')).toMatchObject({ value: 0, letters: 'xqpq' });
    expect(sections.find((s) => s.name === 'min_final_cltv_expiry')).toMatchObject({ value: 0, letters: 'cqpq' });
  });

  it('2. under --developer, a refused token is echoed, also by filter and the bridge hooks, and not logged', async () => {
    expect(await err('invoice', ['abc', 'l', 'd'])).toEqual({
      code: -32602,
      message: "amount_msat: should be positive msat or 'any': invalid token '\"abc\"'",
    });
    const c = suite.client;
    expect((await c.call('getinfo', [], { filter: { id: false } })).error).toEqual({
      code: -32602,
      message: 'filter: value must be true: invalid token \'{"id":false}\'',
    });
    expect(await err('onion_message_recv', { onion_message: { invoice_request: 'zz' } })).toEqual({
      code: -32602,
      message: "onion_message.invoice_request: should be hex: invalid token '\"zz\"'",
    });
    expect(await err('htlc_accepted', BAD_HTLC)).toEqual({
      code: -32602,
      message: "htlc.payment_hash: should be 32 bytes of hex: invalid token '\"zz\"'",
    });
    expect(suite.daemon.logs().filter((l) => String(l.msg).startsWith('Invalid parameter'))).toEqual([]);
  });

  it('3. check runs the command\'s own checks, changing nothing', async () => {
    expect(await err('check', ['delinvoice', 'nolabel', 'unpaid'])).toEqual({ code: 905, message: 'Unknown invoice' });
    expect(await err('check', ['waitinvoice', 'nolabel'])).toEqual({ code: -1, message: 'Label not found' });
    expect(await err('check', { command_to_check: 'listinvoices', invstring: 'junk' })).toEqual({ code: -32602, message: 'Invalid invstring' });
    await ok('invoice', { amount_msat: 1000, label: 'to-check', description: 'd' });
    expect(await err('check', ['delinvoice', 'to-check', 'paid'])).toEqual({
      code: 906,
      message: 'Invoice status is unpaid not paid',
      data: { current_status: 'unpaid', expected_status: 'paid' },
    });
    expect(await ok('check', ['delinvoice', 'to-check', 'unpaid'])).toEqual({ command_to_check: 'delinvoice' });
    expect(await ok('check', ['waitinvoice', 'to-check'])).toEqual({ command_to_check: 'waitinvoice' });
    expect(await err('check', ['invoice', 1000, 'x'.repeat(129), 'd'])).toMatchObject({ code: -32602, message: `Label '${'x'.repeat(129)}' over 128 bytes` });
    expect(await err('check', ['invoice', 1000, 'l', 'd'.repeat(640)])).toMatchObject({ code: -32602 });
    expect(await ok('check', ['invoice', 1000, 'checked-only', 'd'])).toEqual({ command_to_check: 'invoice' });
    // Nothing was changed by any of it.
    expect((await ok('listinvoices', { label: 'to-check' })).invoices).toHaveLength(1);
    expect((await ok('listinvoices', { label: 'checked-only' })).invoices).toHaveLength(0);
    // createinvoice: the invoice is decoded and the preimage compared, nothing stored.
    const { bolt11 } = await ok('invoice', { amount_msat: 1000, label: 'to-sign-again', description: 'd' });
    expect(await err('check', ['createinvoice', bolt11, 'resigned', '11'.repeat(32)])).toEqual({ code: -32602, message: 'Incorrect preimage' });
    expect(await err('check', ['createinvoice', 'lnbc1junk', 'resigned', '11'.repeat(32)])).toEqual({
      code: -32602,
      message: "Unparsable invoice 'lnbc1junk': Bad bech32 string",
    });
    // Offers: unknown, already active, already disabled.
    const unknown = '00'.repeat(32);
    expect(await err('check', ['disableoffer', unknown])).toEqual({ code: -1, message: 'Unknown offer' });
    const { offer_id } = await ok('offer', { amount: 1000, description: 'checked offer' });
    expect(await err('check', ['enableoffer', offer_id])).toEqual({ code: 1006, message: 'offer already active' });
    expect(await ok('check', ['disableoffer', offer_id])).toEqual({ command_to_check: 'disableoffer' });
    expect((await ok('listoffers', { offer_id })).offers[0]).toMatchObject({ active: true });
    await ok('disableoffer', [offer_id]);
    expect(await err('check', ['disableoffer', offer_id])).toEqual({ code: 1001, message: 'offer is not active' });
    expect(await err('check', ['disableinvoicerequest', unknown])).toEqual({ code: -1, message: 'Unknown invoice_request' });
    // Parameters as before: the binder's messages, tokens echoed under check.
    expect(await err('check', ['invoice', 'abc', 'l', 'd'])).toEqual({
      code: -32602,
      message: "amount_msat: should be positive msat or 'any': invalid token '\"abc\"'",
    });
  });

  it("3b. check offer runs the offer engine's checks and answers the real run's error, writing nothing (issue 12)", async () => {
    const before = (await ok('listoffers', {})).offers.length;
    expect(await refusal('offer', { amount: 1000 })).toEqual({
      code: -32602,
      message: 'description: description is required for the user to know what it was they paid for',
    });
    expect(await refusal('offer', { amount: 1000, description: 'd', quantity_max: 1 })).toEqual({
      code: -32602,
      message: "quantity_max: must be 0 or > 1: invalid token '1'",
    });
    expect(await refusal('offer', { amount: '10.5USD', description: 'd' })).toEqual({ code: -32602, message: 'Currency USD requires 2 minor units' });
    expect(await refusal('offer', { amount: '1XYZ', description: 'd' })).toEqual({ code: -32602, message: 'Unknown currency suffix XYZ' });
    // What the engine reads: an identical offer that is disabled, an idempotency key used otherwise.
    const { offer_id } = await ok('offer', { amount: 2000, description: 'disabled twin' });
    await ok('disableoffer', [offer_id]);
    expect(await refusal('offer', { amount: 2000, description: 'disabled twin' })).toEqual({ code: 1000, message: "Already exists, but isn't active" });
    await ok('offer', { amount: 3000, description: 'keyed', label: 'keyed offer', idempotency_key: 'offer-key-1' });
    expect(await refusal('offer', { amount: 3001, description: 'keyed', idempotency_key: 'offer-key-1' })).toEqual({
      code: -32602,
      message: "idempotency_key: already used with other parameters by the offer labelled 'keyed offer'",
    });
    // A good one passes, and is not created.
    expect(await ok('check', { command_to_check: 'offer', amount: 4000, description: 'only checked' })).toEqual({ command_to_check: 'offer' });
    const offers = (await ok('listoffers', {})).offers as { offer_id: string }[];
    expect(offers).toHaveLength(before + 2);
  });

  it("3d. check invoice answers the real run's refusals of its inputs: fallbacks, expiry range, preimage (issue 12)", async () => {
    const before = (await ok('listinvoices', {})).invoices.length;
    const base = { amount_msat: 1000, description: 'd' };
    expect(await refusal('invoice', { ...base, label: 'chk-fb', fallbacks: ['notanaddress'] })).toEqual({ code: -1, message: 'Fallback address not valid' });
    expect(await refusal('invoice', { ...base, label: 'chk-exp', expiry: 9007199254740991 })).toEqual({
      code: -32602,
      message: 'expiry: should be a number of seconds below 2^53 - now',
    });
    expect((await ok('listinvoices', {})).invoices).toHaveLength(before);
  });

  it("3c. check invoicerequest, wait, waitanyinvoice and autoclean-once: the real run's refusals, nothing written, no waiting (issue 12)", async () => {
    // invoicerequest: the request is built and signed, and not stored.
    const requests = (await ok('listinvoicerequests', {})).invoicerequests.length;
    expect(await refusal('invoicerequest', ['2100000000000000001', 'd'])).toEqual({
      code: -32602,
      message: "amount: exceeds the total supply of 21 million bitcoin (2100000000000000000msat): invalid token '\"2100000000000000001\"'",
    });
    expect(await ok('check', { command_to_check: 'invoicerequest', amount: 1000, description: 'only checked', label: 'lnr-chk' })).toEqual({
      command_to_check: 'invoicerequest',
    });
    expect((await ok('listinvoicerequests', {})).invoicerequests).toHaveLength(requests);
    // wait: a subsystem not served here and an index the outbox has not are refused as the real run does;
    // a good one answers at once, however far nextvalue is.
    expect(await refusal('wait', ['forwards', 'created', 1])).toEqual({
      code: -32602,
      message: "subsystem: not served here: this daemon serves 'invoices', 'outbox' and 'events': invalid token '\"forwards\"'",
    });
    expect(await refusal('wait', ['outbox', 'updated', 1])).toEqual({
      code: -32602,
      message: "indexname: the outbox has only the 'created' index: invalid token '\"updated\"'",
    });
    expect(await refusal('wait', ['invoices', 'paid', 1])).toEqual({ code: -32602, message: "indexname: unknown index: invalid token '\"paid\"'" });
    expect(await ok('check', ['wait', 'invoices', 'created', 1_000_000])).toEqual({ command_to_check: 'wait' });
    expect(await ok('check', ['wait', 'outbox', 'created', 1_000_000])).toEqual({ command_to_check: 'wait' });
    // waitanyinvoice: its parameters only, as CLN; nothing is paid, yet the check answers at once.
    expect(await refusal('waitanyinvoice', [0, 'soon'])).toEqual({
      code: -32602,
      message: "timeout: should be an unsigned 64 bit integer: invalid token '\"soon\"'",
    });
    expect(await ok('check', ['waitanyinvoice', 1_000_000])).toEqual({ command_to_check: 'waitanyinvoice' });
    // autoclean-once: its parameters only, as CLN; an invoice it would clean is left.
    await ok('invoice', { amount_msat: 1000, label: 'to-autoclean', description: 'd', expiry: 1 });
    await ok('dev-clock', { advance: 10 });
    // The expiry sweep runs from the daemon's timer, after the clock moved: wait for its commit.
    await expect
      .poll(async () => (await ok('listinvoices', { label: 'to-autoclean' })).invoices[0].status, { timeout: 15_000 })
      .toBe('expired');
    expect(await refusal('autoclean-once', ['expiredinvoices', 0])).toEqual({ code: -32602, message: "age: Must be non-zero: invalid token '0'" });
    expect(await ok('check', ['autoclean-once', 'expiredinvoices', 1])).toEqual({ command_to_check: 'autoclean-once' });
    expect((await ok('listinvoices', { label: 'to-autoclean' })).invoices).toHaveLength(1);
    // The real run would have cleaned it.
    expect((await ok('autoclean-once', ['expiredinvoices', 1])).autoclean.expiredinvoices.cleaned).toBeGreaterThanOrEqual(1);
    expect((await ok('listinvoices', { label: 'to-autoclean' })).invoices).toEqual([]);
  });

  it('4. decode, offer and help in CLN\'s order', async () => {
    const { bolt11 } = await ok('invoice', { amount_msat: 1000, label: 'order', description: 'd', fallbacks: ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'] });
    const keys = Object.keys(await ok('decode', [bolt11]));
    expect(keys).toEqual([
      'type', 'currency', 'created_at', 'expiry', 'payee', 'amount_msat', 'description', 'min_final_cltv_expiry',
      'payment_secret', 'features', 'fallbacks', 'payment_hash', 'signature', 'valid',
    ]);
    expect(Object.keys(await ok('decodepay', [bolt11]))).toEqual(keys.slice(1, -1));
    const o = await ok('offer', { amount: 2000, description: 'ordered', label: 'shop' });
    expect(Object.keys(o)).toEqual(['offer_id', 'active', 'single_use', 'bolt12', 'force_paths', 'used', 'label', 'created']);
    const names = (await ok('help', [])).help.map((h: { command: string }) => h.command.split(' ')[0] as string);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(names.indexOf('autoclean-once')).toBe(0);
  });

  it('4b. decode puts payment_metadata, fallbacks, routes and extra where CLN does, before payment_hash', async () => {
    const examples = loadVector<{ examples: { name: string; invoice: string }[] }>('bolt11-examples.json').examples;
    const example = (name: string) => examples.find((e) => e.name === name)!.invoice;
    const head = ['type', 'currency', 'created_at', 'expiry', 'payee', 'amount_msat'];
    const tail = ['payment_hash', 'signature', 'valid'];
    // Official examples: route hints alone, route hints after a fallback, payment metadata. (The one official
    // example with unknown fields, fields_which_must_be_ignored, is refused by our strict reader.)
    const hop = Uint8Array.from([...KEYS.nodeId, 0, 0, 0x66, 0, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0, 0, 20, 0, 3]);
    const fallback: Field = ['f', [0, ...bytesToWords(new Uint8Array(20).fill(0x75))]];
    const unknown: Field = ['v', [1, 2, 3, 4, 5]];
    const cases: [string, string, string[]][] = [
      ['routes', example('pico_amount_expiry_cltv_route_hint'), ['description', 'min_final_cltv_expiry', 'payment_secret', 'features', 'routes']],
      ['fallbacks, routes', example('mainnet_p2pkh_fallback_route_hints'),
        ['description_hash', 'min_final_cltv_expiry', 'payment_secret', 'features', 'fallbacks', 'routes']],
      ['payment_metadata', example('payment_metadata'), ['description', 'min_final_cltv_expiry', 'payment_secret', 'features', 'payment_metadata']],
      // Unknown fields (tag v), alone and after every optional list, written by hand.
      ['extra', raw('lnbc10u', [S, P, D, FEATURES, unknown]), ['description', 'min_final_cltv_expiry', 'payment_secret', 'features', 'extra']],
      ['fallbacks, routes, extra', raw('lnbc10u', [S, P, D, unknown, fallback, ['r', bytesToWords(hop)], FEATURES]),
        ['description', 'min_final_cltv_expiry', 'payment_secret', 'features', 'fallbacks', 'routes', 'extra']],
    ];
    for (const [what, bolt11, middle] of cases) {
      const decoded = await ok('decode', [bolt11]);
      const keys = Object.keys(decoded);
      expect([what, keys]).toEqual([what, [...head, ...middle, ...tail]]);
      expect([what, Object.keys(await ok('decodepay', [bolt11]))]).toEqual([what, keys.slice(1, -1)]);
      // And the members of each list in CLN's order.
      for (const r of decoded.routes ?? []) {
        for (const h of r) expect(Object.keys(h)).toEqual(['pubkey', 'short_channel_id', 'fee_base_msat', 'fee_proportional_millionths', 'cltv_expiry_delta']);
      }
      for (const f of decoded.fallbacks ?? []) expect(Object.keys(f)).toEqual(['type', 'addr', 'hex']);
      for (const x of decoded.extra ?? []) expect(Object.keys(x)).toEqual(['tag', 'data']);
    }
    const all = await ok('decode', [cases[4]![1]]);
    expect(all.extra).toEqual([{ tag: 'v', data: 'pzry9' }]);
    expect(all.routes).toEqual([
      [{ pubkey: Buffer.from(KEYS.nodeId).toString('hex'), short_channel_id: '102x1x2', fee_base_msat: 1, fee_proportional_millionths: 20, cltv_expiry_delta: 3 }],
    ]);
    expect(all.fallbacks).toEqual([{ type: 'P2WPKH', addr: expect.stringMatching(/^bc1q/), hex: '0014' + '75'.repeat(20) }]);
  });

  it('5. BOLT11 decode errors in common/bolt11.c\'s words', async () => {
    const good = raw('lnbc', [S, P, D, FEATURES]);
    const cases: [string, string][] = [
      [good.slice(0, -1) + (good.endsWith('q') ? 'p' : 'q'), 'Bad bech32 string'],
      [raw('lnbc', [P, D]), 'Missing required payment secret (s field)'],
      [raw('lnbc', [S, P]), "must have either 'd' or 'h' field"],
      [raw('lnbc', [S, D]), "No valid 'p' field found"],
      [raw('lnbc', [S, P, D, ['9', [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]]), '9: unknown feature bit 100'],
      [raw('lnbc', [S, P, D, ['x', [0, 1]]]), 'x: not a minimal value'],
      [raw('lnbc', [S, P, D, ['c', [8, 0, 0, 0, 0, 0, 0]]]), 'c: 8589934592 is too large'],
      [raw('lnbc1p', [S, P, D]), "Invalid sub-millisatoshi amount '1p'"],
      [raw('lnxyz', [S, P, D]), 'Unknown chain xyz'],
      [raw('lnbc', [S, P, D, ['p', bytesToWords(HASH).slice(0, 51)]]), 'p: data_length 51, expected 52'],
      [raw('lnbc', [S, P, D, ['h', bytesToWords(HASH)]]), "must have either 'd' or 'h' field, not both"],
    ];
    for (const [s, message] of cases) {
      expect([message, await err('decodepay', [s])]).toEqual([message, { code: -1, message: `Invalid bolt11: ${message}` }]);
      expect([message, (await err('decode', [s]))?.message]).toEqual([message, `string: ${message}: invalid token '"${s}"'`]);
    }
    // A bad signature: the signature of another message under an `n` field naming our key.
    const withN = raw('lnbc', [S, P, D, ['n', bytesToWords(KEYS.nodeId)]]);
    const tampered = raw('lnbc', [S, P, ['d', bytesToWords(new TextEncoder().encode('tea'))], ['n', bytesToWords(nodeKeysFromSeed(new Uint8Array(32).fill(2)).nodeId)]]);
    expect((await ok('decode', [withN])).payee).toBe(Buffer.from(KEYS.nodeId).toString('hex'));
    expect(await err('decodepay', [tampered])).toEqual({ code: -1, message: 'Invalid bolt11: invalid signature' });
    // Two `d` fields decode as CLN decodes them: the first is the description, the second is kept in extra.
    const twoD = raw('lnbc', [S, P, D, ['d', bytesToWords(new TextEncoder().encode('second'))], FEATURES]);
    const dec = await ok('decode', [twoD]);
    expect(dec).toMatchObject({ description: 'coffee', valid: true });
    expect(dec.extra).toEqual([{ tag: 'd', data: expect.any(String) }]);
  });

  it('8. amounts above all bitcoin are refused where they enter', async () => {
    const supply = 'exceeds the total supply of 21 million bitcoin (2100000000000000000msat)';
    expect(await err('invoice', ['2100000000000000001', 'huge', 'd'])).toEqual({
      code: -32602,
      message: `amount_msat: ${supply}: invalid token '"2100000000000000001"'`,
    });
    expect(await err('offer', { amount: '18446744073709551615', description: 'huge' })).toEqual({
      code: -32602,
      message: `amount: ${supply}: invalid token '"18446744073709551615"'`,
    });
    expect(await err('invoicerequest', { amount: '2100000000000000001', description: 'huge' })).toEqual({
      code: -32602,
      message: `amount: ${supply}: invalid token '"2100000000000000001"'`,
    });
    // The supply itself is still an amount.
    expect((await ok('invoice', ['2100000000000000000', 'all-of-it', 'd'])).bolt11).toMatch(/^lnbc21000000/);
    // An invoice built elsewhere carrying more (21,000,001 BTC) is not stored, checked or run.
    const external = raw('lnbc21000001', [S, P, D, FEATURES]);
    const huge = { code: -32602, message: 'Amount 2100000100000000000msat exceeds the total supply of 21 million bitcoin' };
    expect(await err('check', ['createinvoice', external, 'external-huge', '11'.repeat(32)])).toEqual(huge);
    expect(await err('createinvoice', [external, 'external-huge', '11'.repeat(32)])).toEqual(huge);
    expect((await ok('listinvoices', { label: 'external-huge' })).invoices).toEqual([]);
  });

  it('9–10. BOLT 12 strings: + joins before the prefix check; mixed case refused', async () => {
    const plain = await ok('decode', [OFFER_STRING]);
    expect(await ok('decode', ['l+no' + OFFER_STRING.slice(3)])).toMatchObject({ type: 'bolt12 offer', offer_id: plain.offer_id });
    expect(await ok('decode', ['ln+o' + OFFER_STRING.slice(3)])).toMatchObject({ offer_id: plain.offer_id });
    expect(await ok('decode', [OFFER_STRING.toUpperCase()])).toMatchObject({ offer_id: plain.offer_id });
    const oneUpper = OFFER_STRING.slice(0, 10) + OFFER_STRING[10]!.toUpperCase() + OFFER_STRING.slice(11);
    expect(oneUpper).not.toBe(OFFER_STRING);
    expect((await err('decode', [oneUpper]))?.code).toBe(-32602);
    expect((await err('decode', ['LnO1' + OFFER_STRING.slice(4)]))?.code).toBe(-32602);
  });
});

describe.skipIf(!daemonBuilt())('bad-parameter messages without --developer (CLN command_fail_badparam)', () => {
  let d: TestDaemon;
  beforeAll(async () => {
    d = await startDaemon({ developer: false, logLevel: 'info' });
  });
  afterAll(async () => {
    expect(await d.stop()).toEqual({ code: 0, signal: null });
  });

  const SEE_LOGS = 'invalid token (see logs for details)';

  it('2. answers "see logs" and logs the token at info, as CLN does; check still echoes', async () => {
    expect((await d.call('invoice', ['abc', 'l', 'd'])).error).toEqual({
      code: -32602,
      message: `amount_msat: should be positive msat or 'any': ${SEE_LOGS}`,
    });
    const line = await d.waitForLog(`Invalid parameter amount_msat (should be positive msat or 'any'): token '"abc"'`);
    expect(line).toMatchObject({ level: 30, method: 'invoice' });
    // A handler's refusal is worded and logged the same way.
    expect((await d.call('decode', ['hello'])).error).toEqual({ code: -32602, message: `string: Unparsable string: ${SEE_LOGS}` });
    await d.waitForLog(`Invalid parameter string (Unparsable string): token '"hello"'`);
    // A huge token is logged cut at 4096 characters, the line saying so.
    const label = { a: 'y'.repeat(10_000) };
    expect((await d.call('invoice', { amount_msat: 1, label, description: 'd' })).error).toEqual({
      code: -32602,
      message: `label: should be a string or number: ${SEE_LOGS}`,
    });
    const text = JSON.stringify(label);
    await d.waitForLog(`Invalid parameter label (should be a string or number): token '${text.slice(0, 4096)}...' (truncated: ${text.length} characters, first 4096 logged)`);
    // Under check the token is echoed, as CLN does.
    expect((await d.call('check', ['invoice', 'abc', 'l', 'd'])).error).toEqual({
      code: -32602,
      message: "amount_msat: should be positive msat or 'any': invalid token '\"abc\"'",
    });
  });

  it('2. a secret parameter\'s token never reaches the log: preimage, payment_preimage', async () => {
    expect((await d.call('invoice', [1000, 'l', 'd', null, null, 'secretbutshort'])).error).toEqual({
      code: -32602,
      message: `preimage: should be 64 hex digits: ${SEE_LOGS}`,
    });
    await d.waitForLog('Invalid parameter preimage (should be 64 hex digits): token withheld (secret)');
    expect((await d.call('holdinvoicesettle', { payment_hash: '11'.repeat(32), payment_preimage: 'anothersecret' })).error).toEqual({
      code: -32602,
      message: `payment_preimage: should be 64 hex digits: ${SEE_LOGS}`,
    });
    await d.waitForLog('Invalid parameter payment_preimage (should be 64 hex digits): token withheld (secret)');
    expect(d.stdout() + d.stderr()).not.toContain('secretbutshort');
    expect(d.stdout() + d.stderr()).not.toContain('anothersecret');
  });

  it('2. filter, onion_message_recv and htlc_accepted do not echo either: they log, secrets withheld', async () => {
    expect((await d.call('getinfo', [], { filter: { id: false } })).error).toEqual({ code: -32602, message: `filter: value must be true: ${SEE_LOGS}` });
    expect(await d.waitForLog(`Invalid parameter filter (value must be true): token '{"id":false}'`)).toMatchObject({ level: 30, method: 'getinfo' });

    expect((await d.call('onion_message_recv', { onion_message: { invoice_request: 'zz' } })).error).toEqual({
      code: -32602,
      message: `onion_message.invoice_request: should be hex: ${SEE_LOGS}`,
    });
    await d.waitForLog(`Invalid parameter onion_message.invoice_request (should be hex): token '"zz"'`);
    const pathsecret = 'c0ffee'.repeat(5);
    expect((await d.call('onion_message_recv', { onion_message: { pathsecret } })).error).toEqual({
      code: -32602,
      message: `onion_message.pathsecret: should be 32-byte hex: ${SEE_LOGS}`,
    });
    await d.waitForLog('Invalid parameter onion_message.pathsecret (should be 32-byte hex): token withheld (secret)');

    expect((await d.call('htlc_accepted', BAD_HTLC)).error).toEqual({ code: -32602, message: `htlc.payment_hash: should be 32 bytes of hex: ${SEE_LOGS}` });
    expect(await d.waitForLog(`Invalid parameter htlc.payment_hash (should be 32 bytes of hex): token '"zz"'`)).toMatchObject({ level: 30, method: 'htlc_accepted' });
    const payment_secret = 'deadc0de'.repeat(3);
    expect((await d.call('htlc_accepted', { ...BAD_HTLC, onion: { ...BAD_HTLC.onion, payment_secret } })).error).toEqual({
      code: -32602,
      message: `onion.payment_secret: should be 32 bytes of hex: ${SEE_LOGS}`,
    });
    await d.waitForLog('Invalid parameter onion.payment_secret (should be 32 bytes of hex): token withheld (secret)');
    expect(d.stdout() + d.stderr()).not.toContain(pathsecret);
    expect(d.stdout() + d.stderr()).not.toContain(payment_secret);
  });
});
