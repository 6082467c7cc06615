/**
 * Route-hint selection against Core Lightning v26.06's rules (lightningd/routehint.c, invoice.c): which
 * channels are candidates, how exposeprivatechannels changes that, which id goes in the hint, one
 * weighted random channel for a published node, round-robin (and MPP) for an unpublished one, 902,
 * and each warning exactly when CLN gives it. Channels are lightningd's listpeerchannels objects.
 */
import { describe, expect, it } from 'vitest';
import { InvoiceError } from '../../src/invoice/errors.js';
import { parseNodeChannels, type IncomingCapacities } from '../../src/invoice/node-facts.js';
import {
  chooseRouteHints,
  HINTS_GAVE_NO_ROUTES,
  ROUTE_HINT_WARNINGS,
  RoundRobin,
  type ExposePrivateChannels,
} from '../../src/invoice/route-hints.js';
import { toHex } from '../../src/util/hex.js';
import { clnChannel, PEER_A, PEER_B, PEER_C, type ChannelOverrides } from '../helpers/cln-facts.js';

const pub = (scid: string, o: ChannelOverrides = {}): ChannelOverrides => ({ short_channel_id: scid, private: false, ...o });
const priv = (scid: string, remote: string, o: ChannelOverrides = {}): ChannelOverrides => ({
  short_channel_id: scid,
  private: true,
  alias: { local: '9x9x9', remote },
  ...o,
});

interface Case {
  readonly name: string;
  readonly channels: readonly ChannelOverrides[];
  readonly amount?: bigint;
  readonly expose?: ExposePrivateChannels;
  readonly incoming?: IncomingCapacities;
  /** The ids in the hints, in order. */
  readonly hints: readonly string[];
  readonly warnings?: readonly (keyof typeof ROUTE_HINT_WARNINGS)[];
}

const M = 1_000_000n; // 1000 sat
const CASES: readonly Case[] = [
  { name: 'no channels at all: no hints, warning_capacity', channels: [], amount: M, hints: [], warnings: ['warning_capacity'] },
  { name: 'a published node: its public channel, real id', channels: [pub('100x1x0')], amount: M, hints: ['100x1x0'] },
  {
    name: 'a published node never shows private channels',
    channels: [pub('100x1x0'), priv('101x1x0', '5x5x5')],
    amount: M,
    hints: ['100x1x0'],
  },
  {
    name: 'private capacity would have helped: warning_private_unused',
    channels: [pub('100x1x0', { receivable_msat: 1000 }), priv('101x1x0', '5x5x5', { receivable_msat: 5_000_000 })],
    amount: M,
    hints: ['100x1x0'],
    warnings: ['warning_private_unused'],
  },
  {
    name: 'an unpublished node: private channels, by remote alias',
    channels: [priv('101x1x0', '5x5x5', { peer_id: PEER_B })],
    amount: M,
    hints: ['5x5x5'],
  },
  {
    name: 'an unpublished node, no channel enough alone: several, warning_mpp',
    channels: [
      priv('101x1x0', '5x5x5', { receivable_msat: 600_000 }),
      priv('102x1x0', '6x6x6', { receivable_msat: 600_000, peer_id: PEER_B }),
      priv('103x1x0', '7x7x7', { receivable_msat: 600_000, peer_id: PEER_C }),
    ],
    amount: M,
    hints: ['5x5x5', '6x6x6'],
    warnings: ['warning_mpp'],
  },
  {
    name: 'exposeprivatechannels=false: never private, even with nothing else',
    channels: [priv('101x1x0', '5x5x5')],
    amount: M,
    expose: false,
    hints: [],
    warnings: ['warning_private_unused'],
  },
  {
    name: 'exposeprivatechannels=true: private channels count as public',
    channels: [pub('100x1x0', { receivable_msat: 1000 }), priv('101x1x0', '5x5x5', { peer_id: PEER_B })],
    amount: M,
    expose: true,
    hints: ['5x5x5'],
  },
  {
    name: 'a list: only those, by id or remote alias',
    channels: [pub('100x1x0'), priv('101x1x0', '5x5x5', { peer_id: PEER_B }), priv('102x1x0', '6x6x6', { peer_id: PEER_C })],
    amount: M,
    expose: ['6x6x6'],
    hints: ['6x6x6'],
  },
  {
    name: 'a listed channel is used even with no capacity (and no dead-end check)',
    channels: [pub('100x1x0', { receivable_msat: 0 })],
    amount: M,
    expose: ['100x1x0'],
    incoming: new Map([['100x1x0', { incoming_capacity_msat: 0n }]]),
    hints: ['100x1x0'],
    warnings: ['warning_capacity'],
  },
  {
    name: 'an offline peer is left out: warning_offline when it would have helped',
    channels: [pub('100x1x0', { receivable_msat: 1000 }), pub('101x1x0', { peer_connected: false, peer_id: PEER_B })],
    amount: M,
    hints: ['100x1x0'],
    warnings: ['warning_offline'],
  },
  {
    name: 'a dead-end peer (listincoming: no incoming capacity) is left out: warning_deadends',
    channels: [pub('100x1x0', { receivable_msat: 1000 }), pub('101x1x0', { peer_id: PEER_B })],
    incoming: new Map([
      ['100x1x0', { incoming_capacity_msat: 5n * M }],
      ['101x1x0', { incoming_capacity_msat: 0n }],
    ]),
    amount: M,
    hints: ['100x1x0'],
    warnings: ['warning_deadends'],
  },
  {
    name: 'everything together is just the amount: warning_capacity and warning_offline',
    channels: [pub('100x1x0', { receivable_msat: 400_000 }), pub('101x1x0', { receivable_msat: 600_000, peer_connected: false })],
    amount: M,
    hints: ['100x1x0'],
    warnings: ['warning_capacity', 'warning_offline'],
  },
  {
    name: 'not usable: no channel_update from the peer, a closing state, no id yet',
    channels: [
      pub('100x1x0', { remote: null }),
      pub('101x1x0', { state: 'CHANNELD_SHUTTING_DOWN' }),
      pub('102x1x0', { state: 'CHANNELD_AWAITING_LOCKIN' }),
      { short_channel_id: null, alias: null },
    ],
    amount: M,
    hints: [],
    warnings: ['warning_capacity'],
  },
  {
    name: 'CHANNELD_AWAITING_SPLICE can take HTLCs',
    channels: [pub('100x1x0', { state: 'CHANNELD_AWAITING_SPLICE' })],
    amount: M,
    hints: ['100x1x0'],
  },
  {
    name: 'option_scid_alias: the remote alias, never the real id, also for a public channel',
    channels: [pub('100x1x0', { scid_alias: true, alias: { local: '9x9x9', remote: '8x8x8' } })],
    amount: M,
    hints: ['8x8x8'],
  },
  {
    name: 'option_scid_alias without a remote alias yet: not usable',
    channels: [pub('100x1x0', { scid_alias: true, alias: { local: '9x9x9' } })],
    amount: M,
    hints: [],
    warnings: ['warning_capacity'],
  },
  {
    name: 'not yet confirmed (local alias only): listed by it, hinted by the remote alias',
    channels: [priv('1x1x1', '5x5x5', { short_channel_id: null, alias: { local: '9x9x9', remote: '5x5x5' } })],
    amount: M,
    expose: ['9x9x9'],
    hints: ['5x5x5'],
  },
  {
    name: 'htlc_maximum_msat caps what a channel can take',
    channels: [pub('100x1x0', { remote: { htlc_maximum_msat: 500_000 } }), pub('101x1x0', { peer_id: PEER_B })],
    amount: M,
    hints: ['101x1x0'],
  },
  {
    name: 'an "any" invoice needs 1 msat',
    channels: [priv('101x1x0', '5x5x5', { receivable_msat: 1 })],
    hints: ['5x5x5'],
    warnings: ['warning_capacity'],
  },
];

function choose(c: Pick<Case, 'channels' | 'amount' | 'expose' | 'incoming'>, random = () => 0.5, rr = new RoundRobin()) {
  return chooseRouteHints({
    channels: parseNodeChannels(c.channels.map((o) => clnChannel(o))),
    ...(c.incoming && { incoming: c.incoming }),
    expose: c.expose,
    ...(c.amount !== undefined && { amount_msat: c.amount }),
    random,
    roundRobin: rr,
  });
}

describe("route hints: CLN's rules", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const r = choose(c);
      expect(r.routes.map((route) => route.map((h) => h.short_channel_id).join(','))).toEqual(c.hints);
      expect(r.warnings).toEqual((c.warnings ?? []).map((w) => [w, ROUTE_HINT_WARNINGS[w]]));
    });
  }

  it("a hop carries the peer's id and its channel_update's fees and delta", () => {
    const r = choose({
      channels: [priv('101x1x0', '5x5x5', { peer_id: PEER_B, remote: { fee_base_msat: 1000, fee_proportional_millionths: 7, cltv_expiry_delta: 40 } })],
      amount: M,
    });
    expect(r.routes).toHaveLength(1);
    const [hop] = r.routes[0]!;
    expect({ ...hop, pubkey: toHex(hop!.pubkey) }).toEqual({
      pubkey: PEER_B,
      short_channel_id: '5x5x5',
      fee_base_msat: 1000,
      fee_proportional_millionths: 7,
      cltv_expiry_delta: 40,
    });
  });

  it('902 when none of the listed channels is suitable', () => {
    const channels = [pub('100x1x0'), pub('101x1x0', { peer_connected: false })];
    for (const expose of [['200x1x0'], ['101x1x0']]) {
      let err: unknown;
      try {
        choose({ channels, amount: M, expose });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvoiceError);
      expect(err).toMatchObject({ kind: 'HintsGaveNoRoutes', message: HINTS_GAVE_NO_ROUTES });
    }
    // An empty list is not a list of hints that failed: no channel, no error.
    expect(choose({ channels, amount: M, expose: [] }).routes).toEqual([]);
  });

  it('a base fee beyond u32 is ignored, as CLN ignores an insane fee', () => {
    expect(choose({ channels: [pub('100x1x0', { remote: { fee_base_msat: 2 ** 32 } })], amount: M }).routes).toEqual([]);
  });

  it('a published node picks one channel at random, weighted by spare capacity', () => {
    const channels = [pub('100x1x0', { receivable_msat: 2_000_000 }), pub('101x1x0', { receivable_msat: 9_000_000, peer_id: PEER_B })];
    // Reservoir sampling: the first channel is taken (weight/total = 1), each next one replaces it
    // when the draw is at most its weight over the running total.
    expect(choose({ channels, amount: M }, () => 0.99).routes[0]![0]!.short_channel_id).toBe('100x1x0');
    expect(choose({ channels, amount: M }, () => 0).routes[0]![0]!.short_channel_id).toBe('101x1x0');
    // Weights: (2e6 - 1e6 + 1) / 980e6 and (9e6 - 1e6 + 1) / 980e6, so the second wins when the draw
    // is at most 8/9 of the total.
    expect(choose({ channels, amount: M }, () => 0.88).routes[0]![0]!.short_channel_id).toBe('101x1x0');
    expect(choose({ channels, amount: M }, () => 0.9).routes[0]![0]!.short_channel_id).toBe('100x1x0');
  });

  it('an unpublished node spreads consecutive invoices over its channels, round-robin', () => {
    const rr = new RoundRobin();
    const c = { channels: [priv('101x1x0', '5x5x5'), priv('102x1x0', '6x6x6', { peer_id: PEER_B })], amount: M };
    const picks = [1, 2, 3, 4].map(() => choose(c, () => 0.5, rr).routes[0]![0]!.short_channel_id);
    expect(picks).toEqual(['5x5x5', '6x6x6', '5x5x5', '6x6x6']);
  });

  it('peers: the hint starts at the peer (its node id), never at us', () => {
    const r = choose({ channels: [pub('100x1x0', { peer_id: PEER_A })], amount: M });
    expect(toHex(r.routes[0]![0]!.pubkey)).toBe(PEER_A);
  });
});
