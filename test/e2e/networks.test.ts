/**
 * testnet4 beside testnet, over the real daemon: its own directory, `lntb` invoices as CLN writes them
 * (the two testnets share BOLT 11's prefix), createinvoice accepting a `tb` invoice, and offers naming
 * testnet4's genesis block as their chain.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHAIN_HASH } from '../../src/util/network.js';
import { daemonBuilt, makeDatadir, startDaemonsKilledAfterEach } from '../helpers/daemon.js';

const start = startDaemonsKilledAfterEach();
const PREIMAGE = '11'.repeat(32);

describe.skipIf(!daemonBuilt())('testnet4', () => {
  it('serves testnet4 in <datadir>/testnet4 with lntb invoices and testnet4 offers', async () => {
    const d = await start({ network: 'testnet4' });
    expect(fs.statSync(path.join(d.datadir, 'testnet4', 'invoice-rpc')).isSocket()).toBe(true);
    const info = (await d.call('getinfo', {})).result;
    expect(info.network).toBe('testnet4');

    const inv = (await d.call('invoice', { amount_msat: 5000, label: 't4', description: 'd', preimage: PREIMAGE })).result;
    expect(inv.bolt11).toMatch(/^lntb50n1/);
    const dec = (await d.call('decode', { string: inv.bolt11 })).result;
    expect(dec).toMatchObject({ type: 'bolt11 invoice', currency: 'tb', valid: true, payee: info.id });

    const offer = (await d.call('offer', { amount: 1000, description: 'o' })).result;
    const decOffer = (await d.call('decode', { string: offer.bolt12 })).result;
    expect(decOffer.offer_chains).toEqual([CHAIN_HASH.testnet4]);

    // createinvoice on another testnet4 daemon of the same node takes that `tb` invoice.
    const other = await start({ network: 'testnet4', datadir: makeDatadir() });
    const made = await other.call('createinvoice', { invstring: inv.bolt11, label: 'copy', preimage: PREIMAGE });
    expect(made.error).toBeUndefined();
    expect(made.result).toMatchObject({ label: 'copy', payment_hash: inv.payment_hash, status: 'unpaid' });
    // …and a bitcoin daemon does not.
    const main = await start({ network: 'bitcoin', datadir: makeDatadir() });
    const refused = await main.call('createinvoice', { invstring: inv.bolt11, label: 'copy', preimage: PREIMAGE });
    expect(refused.error).toMatchObject({ code: -32602, message: `Unparsable invoice '${inv.bolt11}': invoice is for another network` });
  });
});
