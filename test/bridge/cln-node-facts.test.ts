/**
 * Node facts through invoiced-cln to the real daemon: a node whose only channel is private gets route
 * hints in its invoices, its block height reaches the daemon's `getinfo` as blocks arrive, and `getinfo`
 * shows the node's alias and channel counts. Skipped (saying why) against a daemon without
 * `setnodefacts` / `setblockheight`.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { toHex } from '../../src/util/hex.js';
import { daemonBuilt, startDaemonsKilledAfterEach, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';
import { LightningdSim, ONION_PEER_FEATURES, PLUGIN_MAIN, simsCheckedAfterEach } from './lightningd-sim.js';

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);
const PEER = '03ab5d2e79cfd621b1b027ffb24e2453ed7fb571ba9a841ff0e2473466cabd168d';
const built = daemonBuilt() && fs.existsSync(PLUGIN_MAIN);

const sims = simsCheckedAfterEach();

/** A private channel as listpeerchannels prints it (the fields route hints are made from). */
const privateChannel = {
  peer_id: PEER,
  peer_connected: true,
  reestablished: true,
  updates: {
    local: { htlc_minimum_msat: 0, htlc_maximum_msat: 990_000_000, cltv_expiry_delta: 6, fee_base_msat: 1, fee_proportional_millionths: 10 },
    remote: { htlc_minimum_msat: 0, htlc_maximum_msat: 990_000_000, cltv_expiry_delta: 12, fee_base_msat: 3, fee_proportional_millionths: 20 },
  },
  state: 'CHANNELD_NORMAL',
  owner: 'channeld',
  short_channel_id: '109x1x1',
  direction: 1,
  channel_id: '12'.repeat(32),
  private: true,
  opener: 'local',
  alias: { local: '3000001x6000001x60001', remote: '1000001x2000001x30001' },
  to_us_msat: 390_492_790,
  total_msat: 1_000_000_000,
  spendable_msat: 363_951_708,
  receivable_msat: 599_507_210,
  htlcs: [],
};

/** Waits (polling the daemon, no fixed delay) until `check` holds for its getinfo. */
async function until(d: TestDaemon, check: (info: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const info = (await d.call('getinfo', {})).result as Record<string, unknown>;
    if (check(info)) return info;
    if (Date.now() > deadline) throw new Error(`getinfo never matched: ${JSON.stringify(info)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// Each test starts up to two daemons: on a loaded two-core machine that needs more than the default 30 s.
describe.skipIf(!built)('invoiced-cln: node facts reach the daemon', { timeout: 120_000 }, () => {
  const startDaemon = startDaemonsKilledAfterEach();

  it('private channels only: invoices carry a route hint through the peer; getinfo and blocks follow the node', async (ctx) => {
    const d = await startDaemon();
    const probe = await d.call('setnodefacts', {});
    if (probe.error?.code === -32601) return ctx.skip('this daemon has no setnodefacts (the daemon side of node facts is not merged)');
    const sim = await LightningdSim.start({ nodeId: NODE_ID, blockheight: 120, options: { 'invoiced-rpc-file': d.socketPath } });
    sims.push(sim);
    sim.channels.push(privateChannel);
    sim.peers.push({ id: PEER, connected: true, num_channels: 1, features: ONION_PEER_FEATURES });
    expect((await sim.handshake()).init).toEqual({});
    const info = await until(d, (i) => i.alias === 'SILENTARTIST' && i.blockheight === 120);
    expect(info).toMatchObject({ id: NODE_ID, alias: 'SILENTARTIST', color: '0387cb', num_peers: 1, num_active_channels: 1 });
    sim.addBlock();
    await until(d, (i) => i.blockheight === 121);

    const inv = (await d.call('invoice', { amount_msat: 10_000, label: 'hinted', description: 'private' })).result;
    const decoded = (await d.call('decode', { string: inv.bolt11 })).result;
    expect(decoded.routes).toHaveLength(1);
    expect(decoded.routes[0]).toEqual([
      expect.objectContaining({ pubkey: PEER, fee_base_msat: 3, fee_proportional_millionths: 20, cltv_expiry_delta: 12 }),
    ]);
    expect(['109x1x1', '1000001x2000001x30001']).toContain(decoded.routes[0][0].short_channel_id);
  });
});
