/** Parsing lightningd's getinfo, listpeerchannels channels and listincoming as a bridge passes them through. */
import { describe, expect, it } from 'vitest';
import { countChannels, parseIncoming, parseNodeChannels, parseNodeInfo } from '../../src/invoice/node-facts.js';
import { toHex } from '../../src/util/hex.js';
import { clnChannel, clnGetinfo, PEER_A } from '../helpers/cln-facts.js';

const msg = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('node facts', () => {
  it("takes getinfo's fields, ignoring the rest", () => {
    const node = clnGetinfo(PEER_A);
    const info = parseNodeInfo({ ...node, fees_collected_msat: 12n, extra: { new: 1 } });
    // Everything but id, version, blockheight, network (the daemon's own) and what it does not know.
    const { id: _id, version: _v, blockheight: _b, network: _n, ...used } = node;
    expect(info).toEqual({ ...used, fees_collected_msat: 12n });
    expect(parseNodeInfo({})).toEqual({});
    expect(parseNodeInfo({ fees_collected_msat: '5msat' }).fees_collected_msat).toBe(5n);
  });

  it('names the getinfo field it refuses', () => {
    expect(msg(() => parseNodeInfo([]))).toBe('getinfo: should be an object');
    expect(msg(() => parseNodeInfo({ alias: 7 }))).toBe('getinfo.alias: should be a string');
    expect(msg(() => parseNodeInfo({ color: '0000' }))).toBe('getinfo.color: should be 6 hex digits');
    expect(msg(() => parseNodeInfo({ num_peers: -1 }))).toBe('getinfo.num_peers: should be an integer from 0 to 4294967295');
    expect(msg(() => parseNodeInfo({ address: {} }))).toBe('getinfo.address: should be an array');
    expect(msg(() => parseNodeInfo({ our_features: { init: 'xyz' } }))).toBe('getinfo.our_features.init: should be hex');
    expect(msg(() => parseNodeInfo({ fees_collected_msat: 1.5 }))).toBe('getinfo.fees_collected_msat: should be a millisatoshi amount');
  });

  it('takes the channel fields route hints use', () => {
    const [c] = parseNodeChannels([clnChannel({ scid_alias: true, private: true })]);
    expect({ ...c, peer_id: toHex(c!.peer_id) }).toEqual({
      peer_id: PEER_A,
      peer_connected: true,
      state: 'CHANNELD_NORMAL',
      private: true,
      short_channel_id: '109x1x1',
      alias_local: '3000001x6000001x60001',
      alias_remote: '1000001x2000001x30001',
      scid_alias: true,
      receivable_msat: 599_507_210n,
      total_msat: 1_000_000_000n,
      our_reserve_msat: 10_000_000n,
      their_reserve_msat: 10_000_000n,
      remote_update: {
        fee_base_msat: 1n,
        fee_proportional_millionths: 10,
        cltv_expiry_delta: 6,
        htlc_minimum_msat: 0n,
        htlc_maximum_msat: 990_000_000n,
      },
    });
    const [bare] = parseNodeChannels([{ peer_id: PEER_A, peer_connected: false, state: 'OPENINGD' }]);
    expect(bare).toMatchObject({ private: false, scid_alias: false, receivable_msat: 0n });
    expect(bare).not.toHaveProperty('remote_update');
  });

  it('names the channel field it refuses', () => {
    expect(msg(() => parseNodeChannels({}))).toBe('channels: should be an array');
    expect(msg(() => parseNodeChannels([clnChannel(), 5]))).toBe('channels[1]: should be an object');
    expect(msg(() => parseNodeChannels([{ ...clnChannel(), peer_connected: undefined }]))).toBe('channels[0].peer_connected: is missing');
    expect(msg(() => parseNodeChannels([clnChannel({ short_channel_id: '1x2' })]))).toBe('channels[0].short_channel_id: should be a short channel id');
    expect(msg(() => parseNodeChannels([clnChannel({ short_channel_id: '16777216x0x0' })]))).toBe('channels[0].short_channel_id: should be a short channel id');
    expect(msg(() => parseNodeChannels([clnChannel({ remote: { cltv_expiry_delta: -1 } })]))).toBe(
      'channels[0].updates.remote.cltv_expiry_delta: should be an integer from 0 to 4294967295',
    );
  });

  it("counts channels by state as CLN's getinfo does", () => {
    const states = ['CHANNELD_NORMAL', 'CHANNELD_AWAITING_SPLICE', 'DUALOPEND_AWAITING_LOCKIN', 'ONCHAIN', 'CLOSED', 'OPENINGD'];
    expect(countChannels(parseNodeChannels(states.map((state) => clnChannel({ state }))))).toEqual({ pending: 1, active: 2, inactive: 2 });
  });

  it("reads listincoming's capacities by short channel id", () => {
    expect(parseIncoming([{ id: PEER_A, short_channel_id: '1x2x3', incoming_capacity_msat: 0, public: false }])).toEqual(
      new Map([['1x2x3', { incoming_capacity_msat: 0n }]]),
    );
    expect(parseIncoming([{ short_channel_id: '1x2x3', incoming_capacity_msat: 7, peer_features: '0880' }]).get('1x2x3')).toEqual({
      incoming_capacity_msat: 7n,
      peer_features: Uint8Array.of(0x08, 0x80),
    });
    expect(msg(() => parseIncoming([{ short_channel_id: '1x2x3' }]))).toBe('incoming[0].incoming_capacity_msat: is missing');
  });
});
