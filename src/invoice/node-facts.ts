/**
 * What the bridge tells the daemon about its Lightning node (`setnodefacts`): lightningd's own `getinfo`
 * result and the `channels` of its `listpeerchannels`, both passed through as they are (optionally the
 * `incoming` array of CLN's `listincoming`, whose `incoming_capacity_msat` tells dead-end peers apart).
 * Parsed here into the few typed values the daemon uses: `getinfo`'s identity and counts, and each
 * channel's state, peer, ids, receivable amount and the peer's channel_update towards us (route hints).
 * Fields we do not use are ignored, so newer CLN versions pass through unchanged; a field we use with
 * the wrong type is an InvalidParams error naming it (a bridge bug). Pure: no I/O.
 */
import { fromHex, isHex } from '../util/hex.js';
import { InvoiceError } from './errors.js';

/** The node's `getinfo` fields the daemon shows in its own `getinfo`. */
export interface NodeInfo {
  readonly alias?: string;
  /** 6 hex digits. */
  readonly color?: string;
  readonly num_peers?: number;
  readonly num_pending_channels?: number;
  readonly num_active_channels?: number;
  readonly num_inactive_channels?: number;
  /** Passed through as the node reported them. */
  readonly address?: readonly unknown[];
  readonly binding?: readonly unknown[];
  readonly fees_collected_msat?: bigint;
  readonly 'lightning-dir'?: string;
  /** Feature bits by context (`init`, `node`, `channel`, `invoice`), hex. */
  readonly our_features?: Readonly<Record<string, string>>;
}

/** The peer's channel_update for a channel (`updates.remote`): what paying us through it costs. */
export interface RemoteUpdate {
  readonly fee_base_msat: bigint;
  readonly fee_proportional_millionths: number;
  readonly cltv_expiry_delta: number;
  readonly htlc_minimum_msat: bigint;
  readonly htlc_maximum_msat: bigint;
}

/** One channel of `listpeerchannels`, the fields route-hint selection uses. */
export interface NodeChannel {
  /** 33-byte compressed node id of the peer. */
  readonly peer_id: Uint8Array;
  readonly peer_connected: boolean;
  /** CLN's state name, e.g. `CHANNELD_NORMAL`. */
  readonly state: string;
  /** True when the channel is not announced. */
  readonly private: boolean;
  readonly short_channel_id?: string;
  readonly alias_local?: string;
  readonly alias_remote?: string;
  /** The channel type has `option_scid_alias`: only the remote alias may go in a route hint (BOLT 2). */
  readonly scid_alias: boolean;
  /** What the peer could send us now (0 when not reported). */
  readonly receivable_msat: bigint;
  readonly total_msat?: bigint;
  readonly our_reserve_msat?: bigint;
  readonly their_reserve_msat?: bigint;
  /** Absent until the peer sent its channel_update. */
  readonly remote_update?: RemoteUpdate;
}

/** One `listincoming` entry: what the peer can forward to us from elsewhere, and whether it is public. */
export interface IncomingChannel {
  readonly incoming_capacity_msat: bigint;
  /** The peer's node_announcement features: present only for a public peer. */
  readonly peer_features?: Uint8Array;
}

/** `listincoming` by short channel id (its `short_channel_id`: the real id, else our local alias). */
export type IncomingCapacities = ReadonlyMap<string, IncomingChannel>;

const SCID_RE = /^[0-9]{1,10}x[0-9]{1,10}x[0-9]{1,5}$/;
const MSAT_STRING_RE = /^([0-9]+)msat$/;
const U64_MAX = (1n << 64n) - 1n;

const bad = (param: string, reason: string): InvoiceError =>
  new InvoiceError('InvalidParams', `${param}: ${reason}`, { param });

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectOf(v: unknown, name: string): Record<string, unknown> {
  if (!isRecord(v)) throw bad(name, 'should be an object');
  return v;
}

function arrayOf(v: unknown, name: string): readonly unknown[] {
  if (!Array.isArray(v)) throw bad(name, 'should be an array');
  return v;
}

function optString(o: Record<string, unknown>, key: string, name: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`${name}.${key}`, 'should be a string');
  return v;
}

function optBool(o: Record<string, unknown>, key: string, name: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw bad(`${name}.${key}`, 'should be a boolean');
  return v;
}

function optUint(o: Record<string, unknown>, key: string, name: string, max: bigint): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const b = typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : undefined;
  if (b === undefined || b < 0n || b > max) throw bad(`${name}.${key}`, `should be an integer from 0 to ${max}`);
  return Number(b);
}

/** An msat amount: a JSON integer (CLN's current form) or the old `"Nmsat"` string. */
function optMsat(o: Record<string, unknown>, key: string, name: string): bigint | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  let b: bigint | undefined;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else if (typeof v === 'string') {
    const m = MSAT_STRING_RE.exec(v);
    if (m) b = BigInt(m[1]!);
  }
  if (b === undefined || b < 0n || b > U64_MAX) throw bad(`${name}.${key}`, 'should be a millisatoshi amount');
  return b;
}

/** BOLT 7: block height (3 bytes) x transaction index (3 bytes) x output index (2 bytes). */
function isScid(s: string): boolean {
  if (!SCID_RE.test(s)) return false;
  const [block, tx, out] = s.split('x').map(Number) as [number, number, number];
  return block <= 0xffffff && tx <= 0xffffff && out <= 0xffff;
}

function optScid(o: Record<string, unknown>, key: string, name: string): string | undefined {
  const v = optString(o, key, name);
  if (v !== undefined && !isScid(v)) throw bad(`${name}.${key}`, 'should be a short channel id');
  return v;
}

/** Parses lightningd's `getinfo` result. */
export function parseNodeInfo(raw: unknown): NodeInfo {
  const name = 'getinfo';
  const o = objectOf(raw, name);
  const color = optString(o, 'color', name);
  if (color !== undefined && !isHex(color, 3)) throw bad(`${name}.color`, 'should be 6 hex digits');
  const alias = optString(o, 'alias', name);
  const features = o.our_features === undefined ? undefined : objectOf(o.our_features, `${name}.our_features`);
  const our_features: Record<string, string> = {};
  for (const [k, v] of Object.entries(features ?? {})) {
    if (typeof v !== 'string' || !isHex(v)) throw bad(`${name}.our_features.${k}`, 'should be hex');
    our_features[k] = v;
  }
  const u32 = 0xffff_ffffn;
  const out: Record<string, unknown> = {
    alias,
    color,
    num_peers: optUint(o, 'num_peers', name, u32),
    num_pending_channels: optUint(o, 'num_pending_channels', name, u32),
    num_active_channels: optUint(o, 'num_active_channels', name, u32),
    num_inactive_channels: optUint(o, 'num_inactive_channels', name, u32),
    address: o.address === undefined ? undefined : arrayOf(o.address, `${name}.address`),
    binding: o.binding === undefined ? undefined : arrayOf(o.binding, `${name}.binding`),
    fees_collected_msat: optMsat(o, 'fees_collected_msat', name),
    'lightning-dir': optString(o, 'lightning-dir', name),
    our_features: features === undefined ? undefined : our_features,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return Object.freeze(out) as NodeInfo;
}

function parseRemoteUpdate(raw: unknown, name: string): RemoteUpdate {
  const o = objectOf(raw, name);
  const need = <T>(v: T | undefined, key: string): T => {
    if (v === undefined) throw bad(`${name}.${key}`, 'is missing');
    return v;
  };
  return {
    fee_base_msat: need(optMsat(o, 'fee_base_msat', name), 'fee_base_msat'),
    fee_proportional_millionths: need(optUint(o, 'fee_proportional_millionths', name, 0xffff_ffffn), 'fee_proportional_millionths'),
    cltv_expiry_delta: need(optUint(o, 'cltv_expiry_delta', name, 0xffff_ffffn), 'cltv_expiry_delta'),
    htlc_minimum_msat: need(optMsat(o, 'htlc_minimum_msat', name), 'htlc_minimum_msat'),
    htlc_maximum_msat: need(optMsat(o, 'htlc_maximum_msat', name), 'htlc_maximum_msat'),
  };
}

/** BOLT 9 bit 46/47, as CLN reports a channel type (`channel_type.bits` / `.names`, or `features`). */
function hasScidAlias(o: Record<string, unknown>): boolean {
  const type = isRecord(o.channel_type) ? o.channel_type : undefined;
  const bits = Array.isArray(type?.bits) ? type.bits : [];
  if (bits.some((b) => b === 46 || b === 47 || b === 46n || b === 47n)) return true;
  const names = Array.isArray(type?.names) ? type.names : [];
  if (names.some((n) => typeof n === 'string' && n.startsWith('scid_alias'))) return true;
  return Array.isArray(o.features) && o.features.includes('option_scid_alias');
}

function parseChannel(raw: unknown, name: string): NodeChannel {
  const o = objectOf(raw, name);
  const peer = o.peer_id;
  if (typeof peer !== 'string' || !isHex(peer, 33)) throw bad(`${name}.peer_id`, 'should be a node id');
  const peer_connected = optBool(o, 'peer_connected', name);
  if (peer_connected === undefined) throw bad(`${name}.peer_connected`, 'is missing');
  const state = optString(o, 'state', name);
  if (state === undefined) throw bad(`${name}.state`, 'is missing');
  const alias = o.alias === undefined ? {} : objectOf(o.alias, `${name}.alias`);
  const updates = o.updates === undefined ? {} : objectOf(o.updates, `${name}.updates`);
  const out: Record<string, unknown> = {
    peer_id: fromHex(peer),
    peer_connected,
    state,
    private: optBool(o, 'private', name) ?? false,
    short_channel_id: optScid(o, 'short_channel_id', name),
    alias_local: optScid(alias, 'local', `${name}.alias`),
    alias_remote: optScid(alias, 'remote', `${name}.alias`),
    scid_alias: hasScidAlias(o),
    receivable_msat: optMsat(o, 'receivable_msat', name) ?? 0n,
    total_msat: optMsat(o, 'total_msat', name),
    our_reserve_msat: optMsat(o, 'our_reserve_msat', name),
    their_reserve_msat: optMsat(o, 'their_reserve_msat', name),
    remote_update: updates.remote === undefined ? undefined : parseRemoteUpdate(updates.remote, `${name}.updates.remote`),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return Object.freeze(out) as unknown as NodeChannel;
}

/** Parses `listpeerchannels`' `channels` array. */
export function parseNodeChannels(raw: unknown): readonly NodeChannel[] {
  return Object.freeze(arrayOf(raw, 'channels').map((c, i) => parseChannel(c, `channels[${i}]`)));
}

/** Parses `listincoming`'s `incoming` array by short_channel_id. */
export function parseIncoming(raw: unknown): IncomingCapacities {
  const out = new Map<string, IncomingChannel>();
  arrayOf(raw, 'incoming').forEach((entry, i) => {
    const name = `incoming[${i}]`;
    const o = objectOf(entry, name);
    const scid = optScid(o, 'short_channel_id', name);
    if (scid === undefined) throw bad(`${name}.short_channel_id`, 'is missing');
    const cap = optMsat(o, 'incoming_capacity_msat', name);
    if (cap === undefined) throw bad(`${name}.incoming_capacity_msat`, 'is missing');
    const features = optString(o, 'peer_features', name);
    if (features !== undefined && !isHex(features)) throw bad(`${name}.peer_features`, 'should be hex');
    out.set(scid, { incoming_capacity_msat: cap, ...(features !== undefined && { peer_features: fromHex(features) }) });
  });
  return out;
}

/** CLN's getinfo counting (lightningd/peer_control.c): which states count as pending, active, inactive. */
const CHANNEL_STATE_GROUP: Readonly<Record<string, 'pending' | 'active' | 'inactive'>> = {
  CHANNELD_AWAITING_LOCKIN: 'pending',
  DUALOPEND_OPEN_INIT: 'pending',
  DUALOPEND_OPEN_COMMIT_READY: 'pending',
  DUALOPEND_OPEN_COMMITTED: 'pending',
  DUALOPEND_AWAITING_LOCKIN: 'pending',
  CHANNELD_AWAITING_SPLICE: 'active',
  CHANNELD_SHUTTING_DOWN: 'active',
  CHANNELD_NORMAL: 'active',
  CLOSINGD_SIGEXCHANGE: 'active',
  CLOSINGD_COMPLETE: 'inactive',
  AWAITING_UNILATERAL: 'inactive',
  FUNDING_SPEND_SEEN: 'inactive',
  ONCHAIN: 'inactive',
  CLOSED: 'inactive',
};

/** Channel counts of getinfo from a channel list (states CLN does not count, e.g. OPENINGD, are skipped). */
export function countChannels(channels: readonly NodeChannel[]): {
  pending: number;
  active: number;
  inactive: number;
} {
  const n = { pending: 0, active: 0, inactive: 0 };
  for (const c of channels) {
    const g = CHANNEL_STATE_GROUP[c.state];
    if (g) n[g]++;
  }
  return n;
}

/** The node facts the daemon holds (in memory: the bridge sends them again after reconnecting). */
export class NodeFacts {
  private infoValue: NodeInfo | undefined;
  private channelsValue: readonly NodeChannel[] | undefined;
  private incomingValue: IncomingCapacities | undefined;

  /** The node's getinfo, once reported. */
  info(): NodeInfo | undefined {
    return this.infoValue;
  }

  /** The node's channels, once reported. */
  channels(): readonly NodeChannel[] | undefined {
    return this.channelsValue;
  }

  /** listincoming's capacities, if the bridge sends them. */
  incoming(): IncomingCapacities | undefined {
    return this.incomingValue;
  }

  /** Replaces what is given; keeps the rest. */
  update(facts: { info?: NodeInfo; channels?: readonly NodeChannel[]; incoming?: IncomingCapacities }): void {
    if (facts.info) this.infoValue = facts.info;
    if (facts.channels) this.channelsValue = facts.channels;
    if (facts.incoming) this.incomingValue = facts.incoming;
  }
}
