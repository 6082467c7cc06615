/**
 * The BOLT 12 offer commands end to end over the built daemon's socket (issue 6, commands): `offer`,
 * `listoffers`, `disableoffer`, `enableoffer`, `invoicerequest`, `listinvoicerequests`,
 * `disableinvoicerequest`, and `decode` of lno / lnr / lni, with CLN's result field order and error codes,
 * special characters and non-ASCII text. Runs on SQLite, and on PostgreSQL when configured.
 */
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { openInvoiceDatabase, type InvoiceDatabase } from '../../src/invoice/store/db.js';
import { createInvoiceEngine, type InvoiceEngineImpl } from '../../src/invoice/engine.js';
import { systemClock } from '../../src/util/clock.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { msat } from '../../src/util/msat.js';
import { CHAIN_HASH } from '../../src/util/network.js';
import { dropPgSchemas, E2E_DATABASES, daemonBuilt, startDaemon, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';
import type { RpcClient } from '../helpers/rpc-client.js';
import { loadVector } from '../helpers/vectors.js';
import { buildInvoiceRequest, encodeBolt12String, signInvoiceRequest } from '../../src/offers/index.js';
import { BOB, rec, str } from '../offers/bolt12/helpers.js';

// Daemons of every suite here have stopped by now: drop the PostgreSQL schemas they made.
afterAll(dropPgSchemas);

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);
const HEX64 = /^[0-9a-f]{64}$/;
const OFFER_KEYS = ['offer_id', 'active', 'single_use', 'bolt12', 'force_paths', 'used', 'created'];
const LISTED_KEYS = ['offer_id', 'active', 'single_use', 'bolt12', 'force_paths', 'used'];
const INVREQ_KEYS = ['invreq_id', 'active', 'single_use', 'bolt12', 'used'];
// Special characters and non-ASCII, sent as raw UTF-8 in the JSON (no \u escapes, which CLN refuses).
const DESC = 'Café ☕ "quoted" \\ back\tslash — 日本語 🎉';
const ISSUER = 'bücher@例え.jp';
const LABEL = 'étiquette "1" 🏷';

interface CrossCheck {
  offer: { string: string };
  invoice_request: { string: string };
  invoice: { string: string };
}

/** Opens the daemon's own database from the test process (to add invoices of an offer, as the merchant flow will). */
async function openDaemonDatabase(d: TestDaemon): Promise<InvoiceDatabase> {
  if (d.database === undefined) return openInvoiceDatabase({ path: path.join(d.datadir, 'regtest', 'invoices.sqlite3') });
  const u = new URL(d.database);
  const schema = u.searchParams.get('schema') ?? undefined;
  u.searchParams.delete('schema');
  return openInvoiceDatabase({ url: u.toString(), ...(schema ? { schema } : {}), poolSize: 2 });
}

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`offer commands over the socket (${db.name})`, () => {
    let d: TestDaemon;
    let c: RpcClient;
    let side: InvoiceDatabase;
    let sideEngine: InvoiceEngineImpl;
    beforeAll(async () => {
      d = await startDaemon(db.database ? { database: db.database } : {});
      c = await d.connect();
      side = await openDaemonDatabase(d);
      sideEngine = createInvoiceEngine({
        db: side,
        nodeKeys: nodeKeysFromSeed(TEST_SEED),
        network: 'regtest',
        clock: systemClock,
        random: (n) => crypto.getRandomValues(new Uint8Array(n)),
      });
    });
    afterAll(async () => {
      await sideEngine.close();
      await side.close();
      c.destroy();
      expect(await d.stop()).toEqual({ code: 0, signal: null });
    });
    const call = async (method: string, params: unknown) => {
      const r = await c.call(method, params);
      if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
      return r.result;
    };
    const err = async (method: string, params: unknown) => (await c.call(method, params)).error;
    const decode = (s: string) => call('decode', [s]);

    it('offer "any": CLN result order, issuer id = node id, regtest chain, no paths', async () => {
      const r = await call('offer', { amount: 'any' });
      expect(Object.keys(r)).toEqual(OFFER_KEYS);
      expect(r).toMatchObject({ active: true, single_use: false, used: false, force_paths: false, created: true });
      expect(r.offer_id).toMatch(HEX64);
      expect(r.bolt12).toMatch(/^lno1[02-9ac-hj-np-z]+$/);
      const dec = await decode(r.bolt12);
      expect(dec).toMatchObject({
        type: 'bolt12 offer',
        valid: true,
        offer_id: r.offer_id,
        offer_issuer_id: NODE_ID,
        offer_chains: [CHAIN_HASH.regtest],
      });
      expect(dec).not.toHaveProperty('offer_paths');
      expect(dec).not.toHaveProperty('offer_amount_msat');
    });

    it('offer with every field, positional, special characters and non-ASCII round-trip', async () => {
      const r = await call('offer', ['5sat', DESC, ISSUER, LABEL, 0, 4_000_000_000, null, null, null, null, true]);
      expect(Object.keys(r)).toEqual([...LISTED_KEYS, 'label', 'created']);
      expect(r).toMatchObject({ single_use: true, label: LABEL, created: true });
      expect(await decode(r.bolt12)).toMatchObject({
        offer_amount_msat: 5000,
        offer_description: DESC,
        offer_issuer: ISSUER,
        offer_quantity_max: 0,
        offer_absolute_expiry: 4_000_000_000,
        valid: true,
      });
      const listed = (await call('listoffers', [r.offer_id])).offers;
      expect(listed).toHaveLength(1);
      expect(Object.keys(listed[0])).toEqual([...LISTED_KEYS, 'label', 'description']);
      expect(listed[0]).toEqual({
        offer_id: r.offer_id,
        active: true,
        single_use: true,
        bolt12: r.bolt12,
        force_paths: false,
        used: false,
        label: LABEL,
        description: DESC,
      });
    });

    it('currency amounts with ISO 4217 minor units', async () => {
      const usd = await call('offer', { amount: '10.05USD', description: 'in dollars' });
      expect(await decode(usd.bolt12)).toMatchObject({ offer_currency: 'USD', offer_amount: 1005, currency_minor_unit: 2, valid: true });
      const jpy = await call('offer', { amount: '1000JPY', description: '円' });
      expect(await decode(jpy.bolt12)).toMatchObject({ offer_currency: 'JPY', offer_amount: 1000, currency_minor_unit: 0 });
      expect(await err('offer', { amount: '10.5AUD', description: 'x' })).toEqual({ code: -32602, message: 'Currency AUD requires 2 minor units' });
      expect(await err('offer', { amount: '10.50JPY', description: 'x' })).toEqual({ code: -32602, message: 'Currency JPY requires 0 minor units' });
      expect(await err('offer', { amount: '10XYZ', description: 'x' })).toEqual({ code: -32602, message: 'Unknown currency suffix XYZ' });
      expect(await err('offer', { amount: '0.00USD', description: 'x' })).toEqual({
        code: -32602,
        message: `amount: must be greater than zero: invalid token '"0.00USD"'`,
      });
    });

    it('offer parameter errors: description rule, amounts, quantity_max, recurrence, fronting nodes, \\u', async () => {
      expect(await err('offer', [1000])).toEqual({
        code: -32602,
        message: 'description: description is required for the user to know what it was they paid for',
      });
      expect(await err('offer', ['lots', 'x'])).toEqual({
        code: -32602,
        message: `amount: should be 'any', msatoshis or <amount>[.<amount>]<ISO-4217>: invalid token '"lots"'`,
      });
      expect(await err('offer', [0, 'x'])).toEqual({ code: -32602, message: "amount: must be greater than zero: invalid token '0'" });
      expect(await err('offer', { amount: 'any', quantity_max: 1 })).toEqual({
        code: -32602,
        message: "quantity_max: must be 0 or > 1: invalid token '1'",
      });
      for (const name of ['recurrence', 'recurrence_base', 'recurrence_paywindow', 'recurrence_limit', 'proportional_amount', 'optional_recurrence']) {
        expect(await err('offer', { amount: 'any', [name]: name === 'recurrence' ? '1week' : 1 })).toEqual({
          code: -32602,
          message: `${name}: recurrence is not in the merged BOLT 12 specification, so this daemon does not create recurring offers`,
        });
      }
      expect((await call('offer', { amount: 'any', description: 'no fronting', fronting_nodes: [] })).created).toBe(true);
      expect(await err('offer', { amount: 'any', fronting_nodes: [NODE_ID] })).toEqual({
        code: -32602,
        message: `fronting_nodes: this daemon is not a node on the network: its offers carry no blinded paths: invalid token '["${NODE_ID}"]'`,
      });
      const r = await c.call('offer', '{"amount":"any","description":"\\u00e9"}' as unknown as object);
      expect(r.error?.code).toBe(-32602);
      expect((await err('offer', { amount: 'any', dev_paths: [] }))?.message).toMatch(/^unknown parameter: dev_paths/);
    });

    it('identical offers: created:false while active (the stored label), 1000 once disabled', async () => {
      const a = await call('offer', { amount: 777, description: 'twin', label: 'first' });
      const b = await call('offer', { amount: '777msat', description: 'twin', label: 'second' });
      expect(b).toEqual({ ...a, created: false });
      expect(b.label).toBe('first');
      await call('disableoffer', [a.offer_id]);
      expect(await err('offer', { amount: 777, description: 'twin' })).toEqual({ code: 1000, message: "Already exists, but isn't active" });
    });

    it('listoffers, disableoffer, enableoffer with their codes', async () => {
      const o = await call('offer', { amount: 'any', description: 'toggle' });
      const unknown = '00'.repeat(32);
      expect(await call('listoffers', [unknown])).toEqual({ offers: [] });
      expect(await err('listoffers', ['zz'])).toEqual({ code: -32602, message: `offer_id: should be a 32 byte hex value: invalid token '"zz"'` });
      expect(await err('disableoffer', [unknown])).toEqual({ code: -1, message: 'Unknown offer' });
      expect(await err('enableoffer', [unknown])).toEqual({ code: -1, message: 'Unknown offer' });
      expect(await err('enableoffer', [o.offer_id])).toEqual({ code: 1006, message: 'offer already active' });
      const off = await call('disableoffer', { offer_id: o.offer_id });
      expect(Object.keys(off)).toEqual([...LISTED_KEYS, 'description']);
      expect(off).toMatchObject({ offer_id: o.offer_id, active: false, description: 'toggle' });
      expect(await err('disableoffer', [o.offer_id])).toEqual({ code: 1001, message: 'offer is not active' });
      const all = (await call('listoffers', {})).offers;
      expect(all.find((x: { offer_id: string }) => x.offer_id === o.offer_id)).toMatchObject({ active: false });
      const active = (await call('listoffers', { active_only: true })).offers;
      expect(active.every((x: { active: boolean }) => x.active)).toBe(true);
      expect(active.some((x: { offer_id: string }) => x.offer_id === o.offer_id)).toBe(false);
      expect(await call('enableoffer', [o.offer_id])).toMatchObject({ offer_id: o.offer_id, active: true });
      expect(await err('disableoffer', [])).toEqual({ code: -32602, message: 'missing required parameter: offer_id' });
    });

    it("disableoffer expires the offer's unpaid invoices with updated bumps and wakes waitinvoice (903)", async () => {
      const o = await call('offer', { amount: 'any', description: 'with invoices' });
      const id = fromHex(o.offer_id, 32);
      const tag = Date.now().toString(36);
      for (const [i, label] of [`${tag}-a`, `${tag}-b`].entries()) {
        await sideEngine.storeInvoice({
          label,
          kind: 'bolt12',
          invstring: `lni1test${tag}${i}`,
          preimage: crypto.getRandomValues(new Uint8Array(32)),
          amount_msat: msat(1000n),
          expires_at: Math.floor(Date.now() / 1000) + 7200,
          local_offer_id: id,
        });
      }
      const listed = (await call('listinvoices', { offer_id: o.offer_id })).invoices;
      expect(listed.map((x: { status: string }) => x.status)).toEqual(['unpaid', 'unpaid']);
      const before = (await call('wait', ['invoices', 'updated', 0])).updated;
      const waiter = await d.connect();
      const waiter2 = await d.connect();
      const waiting = waiter.call('waitinvoice', [`${tag}-a`]);
      const updated = waiter2.call('wait', ['invoices', 'updated', before + 2]);
      // The waits are registered once the daemon answers a later request on the same connections.
      await Promise.all([waiter.call('getinfo', {}), waiter2.call('getinfo', {})]);
      await call('disableoffer', [o.offer_id]);
      const w = await waiting;
      expect(w.error).toMatchObject({ code: 903, message: 'invoice expired during wait', data: { label: `${tag}-a`, status: 'expired' } });
      expect((await updated).result).toEqual({ subsystem: 'invoices', updated: before + 2, invoices: { status: 'expired', label: `${tag}-b` } });
      const after = (await call('listinvoices', { offer_id: o.offer_id })).invoices;
      expect(after.map((x: { status: string; updated_index: number }) => [x.status, x.updated_index])).toEqual([
        ['expired', before + 1],
        ['expired', before + 2],
      ]);
      waiter.destroy();
      waiter2.destroy();
    });

    it('invoicerequest: signed lnr payable to us, CLN result order, list and disable with codes', async () => {
      const r = await call('invoicerequest', { amount: '21sat', description: DESC, issuer: ISSUER, label: LABEL, absolute_expiry: 4_000_000_000 });
      expect(Object.keys(r)).toEqual([...INVREQ_KEYS, 'label']);
      expect(r).toMatchObject({ active: true, single_use: true, used: false, label: LABEL });
      expect(r.invreq_id).toMatch(HEX64);
      const dec = await decode(r.bolt12);
      expect(dec).toMatchObject({
        type: 'bolt12 invoice_request',
        valid: true,
        offer_description: DESC,
        offer_issuer: ISSUER,
        offer_absolute_expiry: 4_000_000_000,
        invreq_payer_id: NODE_ID,
        invreq_chain: CHAIN_HASH.regtest,
        invreq_amount_msat: 21_000,
        signature: expect.stringMatching(/^[0-9a-f]{128}$/),
      });
      expect(dec.invreq_metadata).toMatch(/^[0-9a-f]{32}$/);
      expect(dec).not.toHaveProperty('offer_issuer_id');
      const multi = await call('invoicerequest', [1000, 'multi', null, null, null, false]);
      expect(Object.keys(multi)).toEqual(INVREQ_KEYS);
      expect(multi.single_use).toBe(false);
      const all = (await call('listinvoicerequests', [])).invoicerequests;
      expect(all.map((x: { invreq_id: string }) => x.invreq_id)).toEqual(expect.arrayContaining([r.invreq_id, multi.invreq_id]));
      expect((await call('listinvoicerequests', [r.invreq_id])).invoicerequests).toEqual([r]);
      expect(await call('disableinvoicerequest', [r.invreq_id])).toEqual({ ...r, active: false });
      expect(await err('disableinvoicerequest', [r.invreq_id])).toEqual({ code: 1001, message: 'invoice_request is not active' });
      expect(await err('disableinvoicerequest', ['11'.repeat(32)])).toEqual({ code: -1, message: 'Unknown invoice_request' });
      expect((await call('listinvoicerequests', { active_only: true })).invoicerequests.map((x: { invreq_id: string }) => x.invreq_id)).not.toContain(
        r.invreq_id,
      );
      expect(await err('invoicerequest', [1000])).toEqual({ code: -32602, message: 'missing required parameter: description' });
      expect(await err('invoicerequest', ['any', 'x'])).toEqual({
        code: -32602,
        message: `amount: should be a millisatoshi amount: invalid token '"any"'`,
      });
    });

    it('decode: an expired offer is valid:false with warning_offer_expired; unknown TLVs are listed', async () => {
      const expired = await call('offer', { amount: 'any', description: 'long gone', absolute_expiry: 1000 });
      expect(await decode(expired.bolt12)).toMatchObject({
        type: 'bolt12 offer',
        valid: false,
        offer_absolute_expiry: 1000,
        warning_offer_expired: 'offer_absolute_expiry: offer expired at 1000',
      });
      // Our node id as issuer, our chain, and an unknown odd TLV (odd: "it's OK to be odd").
      const withUnknown = str(
        'lno',
        rec(2n, CHAIN_HASH.regtest),
        rec(10n, toHex(new TextEncoder().encode('odd one'))),
        rec(22n, NODE_ID),
        rec(33n, 'cafe'),
        rec(1_000_000_001n, '01'),
      );
      expect(await decode(withUnknown)).toMatchObject({
        valid: true,
        offer_description: 'odd one',
        unknown_offer_tlvs: [
          { type: 33, length: 2, value: 'cafe' },
          { type: 1_000_000_001, length: 1, value: '01' },
        ],
      });
      // A refund-style invoice_request from someone else, with an unknown odd invreq-range TLV.
      const unknownRecord = { type: 95n, value: fromHex('beef'), bytes: rec(95n, 'beef') };
      const unsigned = buildInvoiceRequest(
        {
          invreq_metadata: fromHex('00112233'),
          offer_description: 'refund',
          invreq_chain: fromHex(CHAIN_HASH.regtest, 32),
          invreq_amount: 1234n,
          invreq_payer_id: BOB.id,
        },
        { extra: [unknownRecord] },
      );
      const lnr = signInvoiceRequest(unsigned, BOB.sign);
      expect(await decode(lnr.string)).toMatchObject({
        type: 'bolt12 invoice_request',
        valid: true,
        invreq_amount_msat: 1234,
        unknown_invoice_request_tlvs: [{ type: 95, length: 2, value: 'beef' }],
      });
      // The same bytes with a flipped signature bit: structurally sound, but not valid.
      const forged = new Uint8Array(lnr.bytes);
      forged[forged.length - 1]! ^= 1;
      expect(await decode(encodeBolt12String('lnr', forged))).toMatchObject({
        valid: false,
        warning_invalid_invoice_request_signature: 'signature: invalid',
      });
      expect(await err('decode', [str('lno', rec(10n, '00'), rec(32n, '00'))])).toMatchObject({ code: -32602 });
      expect((await err('decode', ['lno1qqqq']))?.message).toMatch(/^string: /);
    });
  });
}

describe.skipIf(!daemonBuilt())('offers on bitcoin (mainnet) and decode of the cross-checked vectors', () => {
  let d: TestDaemon;
  let c: RpcClient;
  beforeAll(async () => {
    d = await startDaemon({ network: 'bitcoin' });
    c = await d.connect();
  });
  afterAll(async () => {
    c.destroy();
    expect(await d.stop()).toEqual({ code: 0, signal: null });
  });
  const result = async (method: string, params: unknown) => {
    const r = await c.call(method, params);
    if (r.error) throw new Error(JSON.stringify(r.error));
    return r.result;
  };
  const vec = loadVector<CrossCheck>('generated-bolt12-invoice-crosscheck.json');

  it('mainnet offers and invoice requests carry no chain fields', async () => {
    const o = await result('offer', { amount: 'any' });
    const dec = await result('decode', [o.bolt12]);
    expect(dec).toMatchObject({ valid: true, offer_issuer_id: NODE_ID });
    expect(dec).not.toHaveProperty('offer_chains');
    const r = await result('invoicerequest', [5000, 'mainnet refund']);
    const dr = await result('decode', [r.bolt12]);
    expect(dr).toMatchObject({ valid: true, invreq_payer_id: NODE_ID });
    expect(dr).not.toHaveProperty('invreq_chain');
  });

  it('decodes the cross-checked offer, invoice_request and invoice', async () => {
    expect(await result('decode', [vec.offer.string])).toMatchObject({
      type: 'bolt12 offer',
      valid: true,
      offer_amount_msat: 100_000,
      offer_description: 'BOLT12 invoice test',
      offer_issuer_id: '02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619',
    });
    expect(await result('decode', [vec.invoice_request.string])).toMatchObject({
      type: 'bolt12 invoice_request',
      valid: true,
      invreq_metadata: '0102030405060708',
      invreq_payer_id: '0324653eac434488002cc06bbfb7f10fe18991e35f9fe4302dbea6d2353dc0ab1c',
    });
    const inv = await result('decode', [`lightning:${vec.invoice.string}`]);
    expect(inv).toMatchObject({
      type: 'bolt12 invoice',
      valid: true,
      invoice_node_id: '02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619',
      invoice_payment_hash: expect.stringMatching(HEX64),
      invoice_amount_msat: expect.any(Number),
      invoice_paths: expect.any(Array),
    });
  });
});
