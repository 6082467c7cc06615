/**
 * The node bridge's facts over the real socket of the built daemon: `setblockheight` (stored, served by
 * getinfo, used by the CLTV check at once, refused lower without `force`, kept across restarts) and
 * `setnodefacts` (lightningd's getinfo and listpeerchannels passed through; getinfo's shape from the
 * first call). SQLite, and PostgreSQL when INVOICED_TEST_PG_URL is set.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { toHex } from '../../src/util/hex.js';
import { daemonBuilt, dropPgSchemas, E2E_DATABASES, startDaemonsKilledAfterEach, TEST_SEED } from '../helpers/daemon.js';
import { clnChannel, clnGetinfo, GETINFO_KEYS, NEUTRAL_GETINFO, PEER_A, PEER_B, PEER_C } from '../helpers/cln-facts.js';
import { decodeFailure, targetFromInvoice, TestPayer } from '../helpers/payer.js';

afterAll(dropPgSchemas);

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`node facts from the bridge (${db.name})`, () => {
    const start = startDaemonsKilledAfterEach();
    const opts = db.database ? { database: db.database } : {};

    it("getinfo has every field of CLN's schema from the first call, in CLN's order", async () => {
      const d = await start(opts);
      const info = (await d.call('getinfo', {})).result;
      expect(Object.keys(info)).toEqual(GETINFO_KEYS);
      expect(info).toMatchObject({
        ...NEUTRAL_GETINFO,
        id: NODE_ID,
        color: NODE_ID.slice(0, 6),
        blockheight: 0,
        network: 'regtest',
        'lightning-dir': `${d.datadir}/regtest`,
      });
    });

    it('setblockheight: served by getinfo, refused lower without force, forced lower, kept across restarts', async () => {
      const d = await start(opts);
      expect((await d.call('setblockheight', [800_000])).result).toEqual({ blockheight: 800_000 });
      expect((await d.call('getinfo', {})).result.blockheight).toBe(800_000);
      expect((await d.call('setblockheight', { blockheight: 800_001 })).result).toEqual({ blockheight: 800_001 });
      expect((await d.call('setblockheight', [800_001])).result).toEqual({ blockheight: 800_001 });
      expect((await d.call('setblockheight', [799_990])).error).toEqual({
        code: -32602,
        message: 'blockheight 799990 is below the current block height 800001: pass force=true to set it back',
      });
      expect((await d.call('getinfo', {})).result.blockheight).toBe(800_001);
      expect((await d.call('setblockheight', { blockheight: 'x' })).error).toMatchObject({ code: -32602 });
      expect((await d.call('setblockheight', { blockheight: 799_990, force: true })).result).toEqual({ blockheight: 799_990 });
      await d.stop();
      const d2 = await start(d.startOptions);
      expect((await d2.call('getinfo', {})).result.blockheight).toBe(799_990);
    });

    it("each HTLC is checked at the height it reports, whatever the bridge reported (issue 12 item 7)", async () => {
      const d = await start(opts);
      const inv = (await d.call('invoice', [5000, 'h1', 'height'])).result;
      const target = targetFromInvoice(inv.bolt11);
      await d.call('setblockheight', [900_000]);
      // Too close to expiry at its own height: refused, naming that height.
      const [soon] = new TestPayer({ blockheight: 800_000 }).pay(target, { cltv_delta: (target.min_final_cltv_expiry ?? 18) - 1 });
      const r = (await d.call('htlc_accepted', soon)).result;
      expect(r.result).toBe('fail');
      expect(decodeFailure(r.failure_message)).toEqual({
        code: 0x400f,
        name: 'incorrect_or_unknown_payment_details',
        htlc_msat: 5000n,
        height: 800_000,
      });
      // Far enough from expiry at the height its node reported: paid, and the known height stays.
      const [ok] = new TestPayer({ blockheight: 800_000, channels: ['200x1x0'] }).pay(target);
      expect((await d.call('htlc_accepted', ok)).result.result).toBe('resolve');
      expect((await d.call('getinfo', {})).result.blockheight).toBe(900_000);
    });

    it("setnodefacts: the node's getinfo and channels show in getinfo", async () => {
      const d = await start(opts);
      const channels = [
        clnChannel({ peer_id: PEER_A }),
        clnChannel({ peer_id: PEER_A, short_channel_id: '110x1x0', state: 'ONCHAIN' }),
        clnChannel({ peer_id: PEER_B, short_channel_id: null, state: 'CHANNELD_AWAITING_LOCKIN' }),
      ];
      const node = clnGetinfo(NODE_ID);
      const r = await d.call('setnodefacts', { getinfo: node, channels });
      expect(r.result).toEqual({ channels: 3 });
      const info = (await d.call('getinfo', {})).result;
      expect(Object.keys(info)).toEqual(GETINFO_KEYS);
      // The node's own values; channel counts from the channel list (refreshed more often than getinfo).
      const { alias, color, num_peers, address, binding, fees_collected_msat } = node;
      expect(info).toMatchObject({ alias, color, num_peers, address, binding, fees_collected_msat });
      expect(info).toMatchObject({ num_pending_channels: 1, num_active_channels: 1, num_inactive_channels: 1 });
      expect(info['lightning-dir']).toBe(node['lightning-dir']);
      expect(info.our_features).toEqual({ init: '0898882a8a59a1', node: '8898882a8a59a1', channel: '', invoice: '024100' });
      expect(info.version).not.toBe('v26.06');
      // Positional form, channels only: getinfo's values stay.
      expect((await d.call('setnodefacts', [null, [channels[0]]])).result).toEqual({ channels: 1 });
      expect((await d.call('getinfo', {})).result).toMatchObject({ alias: 'SILENTARTIST', num_active_channels: 1, num_inactive_channels: 0 });
    });

    it('invoice: route hints through private channels in the signed invoice, with warnings, as CLN', async () => {
      const d = await start(opts);
      // Without node facts: no hints, exposeprivatechannels ignored with a warning (as before a bridge).
      const before = (await d.call('invoice', { amount_msat: 5000, label: 'r0', description: 'x', exposeprivatechannels: true })).result;
      expect(before.warning_exposeprivatechannels).toMatch(/ignored/);
      expect((await d.call('decode', [before.bolt11])).result).not.toHaveProperty('routes');

      // The node has only private channels: two peers online, one offline.
      const channels = [
        clnChannel({ peer_id: PEER_A, short_channel_id: '100x1x0', private: true, alias: { local: '9x9x1', remote: '7x7x1' }, receivable_msat: 3_000_000, remote: { fee_base_msat: 1000, fee_proportional_millionths: 100, cltv_expiry_delta: 34 } }),
        clnChannel({ peer_id: PEER_B, short_channel_id: '101x1x0', private: true, alias: { local: '9x9x2', remote: '7x7x2' }, receivable_msat: 3_000_000 }),
        clnChannel({ peer_id: PEER_C, short_channel_id: '102x1x0', private: true, peer_connected: false, receivable_msat: 50_000_000 }),
      ];
      await d.call('setnodefacts', { channels });
      const inv = (await d.call('invoice', [2_000_000, 'r1', 'private'])).result;
      expect(Object.keys(inv)).toEqual(['payment_hash', 'expires_at', 'bolt11', 'payment_secret', 'created_index', 'expiry_time']);
      const routes = (await d.call('decode', [inv.bolt11])).result.routes;
      expect(routes).toEqual([
        [{ pubkey: PEER_A, short_channel_id: '7x7x1', fee_base_msat: 1000, fee_proportional_millionths: 100, cltv_expiry_delta: 34 }],
      ]);
      // Round-robin: the next invoice goes through the other channel.
      const inv2 = (await d.call('invoice', [2_000_000, 'r2', 'private'])).result;
      expect((await d.call('decode', [inv2.bolt11])).result.routes[0][0].short_channel_id).toBe('7x7x2');

      // More than one channel can take: both, and only MPP payers can pay it.
      const mpp = (await d.call('invoice', [5_000_000, 'r3', 'mpp'])).result;
      expect(Object.keys(mpp).slice(6)).toEqual(['warning_mpp']);
      expect(mpp.warning_mpp).toBe('The invoice is only payable by MPP-capable payers.');
      expect((await d.call('decode', [mpp.bolt11])).result.routes).toHaveLength(2);

      // Only the offline peer could take it.
      const off = (await d.call('invoice', [20_000_000, 'r4', 'offline'])).result;
      expect(off.warning_offline).toBe('Insufficient incoming capacity, once offline peers were excluded');
      expect(off).not.toHaveProperty('warning_capacity');

      // More than everything: warning_capacity.
      const big = (await d.call('invoice', [90_000_000, 'r5', 'big'])).result;
      expect(big.warning_capacity).toBe('Insufficient incoming channel capacity to pay invoice');

      // The offline peer's channel is gone. exposeprivatechannels=false: no hints, and CLN's hint that
      // private channels would have helped.
      await d.call('setnodefacts', { channels: channels.slice(0, 2) });
      const no = (await d.call('invoice', { amount_msat: 1000, label: 'r6', description: 'x', exposeprivatechannels: false })).result;
      expect(no.warning_private_unused).toBe(
        'Insufficient incoming capacity, once private channels were excluded (try exposeprivatechannels=true?)',
      );
      expect((await d.call('decode', [no.bolt11])).result).not.toHaveProperty('routes');

      // A list: only those (here by remote alias), 902 when none is suitable (an unknown channel).
      const listed = (await d.call('invoice', { amount_msat: 1000, label: 'r7', description: 'x', exposeprivatechannels: ['7x7x2'] })).result;
      expect((await d.call('decode', [listed.bolt11])).result.routes[0][0]).toMatchObject({ pubkey: PEER_B, short_channel_id: '7x7x2' });
      expect((await d.call('invoice', { amount_msat: 1000, label: 'r8', description: 'x', exposeprivatechannels: '102x1x0' })).error).toEqual({
        code: 902,
        message: 'None of those hints were suitable local channels',
      });
      expect((await d.call('invoice', { amount_msat: 1000, label: 'r8', description: 'x', exposeprivatechannels: 'nope' })).error).toMatchObject({
        code: -32602,
        message: expect.stringMatching(/^exposeprivatechannels: should be a short_channel_id of form NxNxN: invalid token/),
      });
      // Nothing was stored for the refused ones.
      expect((await d.call('listinvoices', { label: 'r8' })).result.invoices).toEqual([]);
    });

    it('setnodefacts refuses a malformed fact, naming it, and keeps what it had', async () => {
      const d = await start(opts);
      await d.call('setnodefacts', { getinfo: clnGetinfo(NODE_ID) });
      const bad = await d.call('setnodefacts', { getinfo: clnGetinfo(NODE_ID, { alias: 'other' }), channels: [clnChannel({ peer_id: 'zz' as string })] });
      expect(bad.error).toEqual({ code: -32602, message: 'channels[0].peer_id: should be a node id' });
      expect((await d.call('setnodefacts', { channels: {} })).error).toEqual({ code: -32602, message: 'channels: should be an array' });
      expect((await d.call('setnodefacts', { getinfo: { color: 'red' } })).error).toEqual({
        code: -32602,
        message: 'getinfo.color: should be 6 hex digits',
      });
      expect((await d.call('getinfo', {})).result.alias).toBe('SILENTARTIST');
    });
  });
}
