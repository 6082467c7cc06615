/**
 * Node facts in the shapes Core Lightning v26.06 prints them (doc/schemas/listpeerchannels.json,
 * getinfo.json): one `listpeerchannels` channel with every field a real one has, overridable, and a
 * `getinfo` result. Used to feed `setnodefacts` as a bridge would, passing lightningd's output through.
 */

/** The fields of our getinfo, in order: CLN's schema's, in CLN's order, then our own `invoices`. */
export const GETINFO_KEYS = [
  'id', 'alias', 'color', 'num_peers', 'num_pending_channels', 'num_active_channels', 'num_inactive_channels',
  'address', 'binding', 'version', 'blockheight', 'network', 'fees_collected_msat', 'lightning-dir', 'our_features',
  'invoices',
];

/** getinfo's documented neutral values before the node bridge reports (docs/rpc.md). */
export const NEUTRAL_GETINFO = {
  alias: '',
  num_peers: 0,
  num_pending_channels: 0,
  num_active_channels: 0,
  num_inactive_channels: 0,
  address: [],
  binding: [],
  fees_collected_msat: 0,
  our_features: { init: '', node: '', channel: '', invoice: '024100' },
} as const;

/** Peer node ids for tests: the public keys of secret keys 0xa1…, 0xb2…, 0xc3… (route hints carry them). */
export const PEER_A = '03ab5d2e79cfd621b1b027ffb24e2453ed7fb571ba9a841ff0e2473466cabd168d';
export const PEER_B = '036aa3da9b5c1d61956076cb3014ffdaa0996bacdae29ba4b89e39b4088f86ec78';
export const PEER_C = '02438a4f623099e7c238970a8481b03d449fd45cc2c2185e739b28f28ce5342bb3';

export interface ChannelOverrides {
  readonly peer_id?: string;
  readonly peer_connected?: boolean;
  readonly state?: string;
  readonly private?: boolean;
  readonly short_channel_id?: string | null;
  readonly alias?: { local?: string; remote?: string } | null;
  readonly scid_alias?: boolean;
  readonly receivable_msat?: number;
  readonly total_msat?: number;
  readonly remote?: Partial<Record<'fee_base_msat' | 'fee_proportional_millionths' | 'cltv_expiry_delta' | 'htlc_minimum_msat' | 'htlc_maximum_msat', number>> | null;
}

/** One `listpeerchannels` channel, as lightningd prints it. */
export function clnChannel(o: ChannelOverrides = {}): Record<string, unknown> {
  const remote =
    o.remote === null
      ? undefined
      : {
          htlc_minimum_msat: 0,
          htlc_maximum_msat: 990_000_000,
          cltv_expiry_delta: 6,
          fee_base_msat: 1,
          fee_proportional_millionths: 10,
          ...o.remote,
        };
  const ch: Record<string, unknown> = {
    peer_id: o.peer_id ?? PEER_A,
    peer_connected: o.peer_connected ?? true,
    reestablished: true,
    channel_type: o.scid_alias
      ? { bits: [12, 22, 46], names: ['static_remotekey/even', 'anchors/even', 'scid_alias/even'] }
      : { bits: [12, 22], names: ['static_remotekey/even', 'anchors/even'] },
    updates: {
      local: { htlc_minimum_msat: 0, htlc_maximum_msat: 990_000_000, cltv_expiry_delta: 6, fee_base_msat: 1, fee_proportional_millionths: 10 },
      ...(remote && { remote }),
    },
    state: o.state ?? 'CHANNELD_NORMAL',
    feerate: { perkw: 3755, perkb: 15020 },
    owner: 'channeld',
    short_channel_id: o.short_channel_id === null ? undefined : (o.short_channel_id ?? '109x1x1'),
    direction: 1,
    channel_id: '12'.repeat(32),
    funding_txid: '34'.repeat(32),
    funding_outnum: 1,
    private: o.private ?? false,
    opener: 'local',
    alias: o.alias === null ? undefined : (o.alias ?? { local: '3000001x6000001x60001', remote: '1000001x2000001x30001' }),
    features: ['option_static_remotekey', 'option_anchors', ...(o.scid_alias ? ['option_scid_alias'] : [])],
    funding: { local_funds_msat: 1_000_000_000, remote_funds_msat: 0, pushed_msat: 0 },
    to_us_msat: 390_492_790,
    total_msat: o.total_msat ?? 1_000_000_000,
    fee_base_msat: 1,
    fee_proportional_millionths: 10,
    dust_limit_msat: 546_000,
    their_reserve_msat: 10_000_000,
    our_reserve_msat: 10_000_000,
    spendable_msat: 363_951_708,
    receivable_msat: o.receivable_msat ?? 599_507_210,
    minimum_htlc_in_msat: 0,
    max_accepted_htlcs: 483,
    state_changes: [],
    status: ['CHANNELD_NORMAL:Channel ready for use.'],
    htlcs: [],
  };
  for (const k of Object.keys(ch)) if (ch[k] === undefined) delete ch[k];
  return ch;
}

/** lightningd's `getinfo` result. */
export function clnGetinfo(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    alias: 'SILENTARTIST',
    color: '022d22',
    num_peers: 3,
    num_pending_channels: 1,
    num_active_channels: 2,
    num_inactive_channels: 0,
    address: [{ type: 'ipv4', address: '203.0.113.5', port: 9735 }],
    binding: [{ type: 'ipv4', address: '0.0.0.0', port: 9735 }],
    version: 'v26.06',
    blockheight: 110,
    network: 'regtest',
    fees_collected_msat: 12_345,
    'lightning-dir': '/var/lib/lightningd/regtest',
    our_features: { init: '0898882a8a59a1', node: '8898882a8a59a1', channel: '', invoice: '02000002024100' },
    ...over,
  };
}
