/**
 * Blinded paths through a public peer, for a node that cannot be reached otherwise (BOLT 12: "if it is
 * connected only by private channels: MUST include `offer_paths` containing one or more paths to the
 * node from publicly reachable nodes"; likewise `invoice_paths`). As Core Lightning v26.06 does it
 * (plugins/offers.c `we_want_blinded_path`, `find_best_peer`; offers_offer.c; offers_invreq_hook.c):
 *
 * - a path is wanted when the node has no public channel (it is not in the gossip); for offers also
 *   when the node announces no address, so payers can reach it for the invoice_request;
 * - the introduction node is the best peer: online over a channel that can add HTLCs, a public node
 *   (listincoming gives its node_announcement features) offering the needed features, able to forward
 *   the amount, and with the most capacity towards us;
 * - the path has two hops, the peer then us; ours carries the `path_id` the daemon recognises. A payment
 *   path also tells the peer its relay fees and limits (its own channel_update) and the payinfo adds the
 *   peer's fees and delta to ours.
 *
 * Without `listincoming` from the bridge every connected peer is taken as public and capable.
 */
import type { IncomingCapacities, NodeChannel, RemoteUpdate } from '../invoice/node-facts.js';
import { canAddHtlc } from '../invoice/route-hints.js';
import type { RandomSource } from '../util/clock.js';
import { secp256k1 } from '../crypto/secp256k1.js';
import type { BlindedPath, BlindedPayInfo } from './bolt12/blinded-path.js';
import { buildBlindedPath, encodeEncryptedData } from './blinding/route-blinding.js';

/** BOLT 9 feature bits a peer must offer. */
export const FEATURE_ROUTE_BLINDING = 24;
export const FEATURE_ONION_MESSAGES = 38;

/** The peer a path starts at, and its channel_update towards us. */
export interface IntroPeer {
  readonly node_id: Uint8Array;
  readonly update: RemoteUpdate;
}

/** What the bridge reported (NodeFacts). */
export interface NodeFactsView {
  channels(): readonly NodeChannel[] | undefined;
  incoming(): IncomingCapacities | undefined;
  info(): { readonly address?: readonly unknown[] } | undefined;
}

/** BOLT 9: a feature is offered when its even or its odd bit is set (big-endian bit field). */
function offers(features: Uint8Array, bit: number): boolean {
  const set = (b: number): boolean => {
    const byte = features.length - 1 - (b >> 3);
    return byte >= 0 && (features[byte]! & (1 << (b & 7))) !== 0;
  };
  return set(bit & ~1) || set(bit | 1);
}

/** Whether new offers (`forPayment` false) or invoices (true) need a blinded path into the node. */
export function wantsBlindedPath(facts: NodeFactsView, forPayment: boolean): boolean {
  const channels = facts.channels();
  if (!channels) return false;
  const announced = channels.some((c) => !c.private && canAddHtlc(c.state));
  if (!announced) return true;
  if (forPayment) return false;
  const address = facts.info()?.address;
  return address !== undefined && address.length === 0;
}

/** CLN's find_best_peer over the node's channels. */
export function bestIntroPeer(
  facts: NodeFactsView,
  opts: { readonly features: readonly number[]; readonly amount_msat?: bigint },
): IntroPeer | undefined {
  const incoming = facts.incoming();
  let best: { peer: IntroPeer; capacity: bigint } | undefined;
  for (const c of facts.channels() ?? []) {
    const key = c.short_channel_id ?? c.alias_local;
    const update = c.remote_update;
    if (key === undefined || update === undefined) continue;
    if (!c.peer_connected || !canAddHtlc(c.state)) continue;
    if (update.fee_base_msat > 0xffff_ffffn || update.cltv_expiry_delta > 0xffff) continue;
    const htlcMax = c.receivable_msat < update.htlc_maximum_msat ? c.receivable_msat : update.htlc_maximum_msat;
    if (opts.amount_msat !== undefined && htlcMax < opts.amount_msat) continue;
    let capacity = htlcMax;
    if (incoming) {
      const entry = incoming.get(key);
      // listincoming shows peer_features only for a peer with a node_announcement: a public node.
      if (!entry?.peer_features) continue;
      if (!opts.features.every((f) => offers(entry.peer_features!, f))) continue;
      capacity = entry.incoming_capacity_msat;
    }
    if (!best || capacity > best.capacity) best = { peer: { node_id: c.peer_id, update: { ...update, htlc_maximum_msat: htlcMax } }, capacity };
  }
  return best?.peer;
}

function sessionKey(random: RandomSource): Uint8Array {
  for (;;) {
    const e = random(32);
    if (secp256k1.isValidSecretKey(e)) return e;
  }
}

/** An onion-message path peer → us whose last hop carries `path_id` (`offer_paths`). */
export function messagePathVia(nodeId: Uint8Array, random: RandomSource, intro: IntroPeer, path_id: Uint8Array): BlindedPath {
  return buildBlindedPath(sessionKey(random), [
    { node_id: intro.node_id, encrypted_data: encodeEncryptedData({ next_node_id: nodeId }) },
    { node_id: nodeId, encrypted_data: encodeEncryptedData({ path_id }) },
  ]);
}

/**
 * A payment path peer → us (`invoice_paths`) and its payinfo. The peer's hop carries its relay terms and
 * BOLT 4 `payment_constraints` (`max_cltv_expiry`: the invoice's last block, plus the deltas, plus 1008
 * blocks of slack as CLN adds so padded payments still fit).
 */
export function paymentPathVia(
  nodeId: Uint8Array,
  random: RandomSource,
  intro: IntroPeer,
  opts: { readonly path_id: Uint8Array; readonly cltvFinal: number; readonly lastBlock: number },
): { path: BlindedPath; payinfo: BlindedPayInfo } {
  const u = intro.update;
  const path = buildBlindedPath(sessionKey(random), [
    {
      node_id: intro.node_id,
      encrypted_data: encodeEncryptedData({
        next_node_id: nodeId,
        payment_relay: {
          cltv_expiry_delta: u.cltv_expiry_delta,
          fee_proportional_millionths: u.fee_proportional_millionths,
          fee_base_msat: Number(u.fee_base_msat),
        },
        payment_constraints: {
          max_cltv_expiry: 1008 + opts.lastBlock + u.cltv_expiry_delta + opts.cltvFinal,
          htlc_minimum_msat: u.htlc_minimum_msat,
        },
      }),
    },
    { node_id: nodeId, encrypted_data: encodeEncryptedData({ path_id: opts.path_id }) },
  ]);
  const payinfo: BlindedPayInfo = {
    fee_base_msat: Number(u.fee_base_msat),
    fee_proportional_millionths: u.fee_proportional_millionths,
    cltv_expiry_delta: u.cltv_expiry_delta + opts.cltvFinal,
    htlc_minimum_msat: u.htlc_minimum_msat,
    htlc_maximum_msat: u.htlc_maximum_msat,
    features: new Uint8Array(0),
  };
  return { path, payinfo };
}

/** The daemon's `offerPathPeer`: the peer for new offers' paths, when the node needs them. */
export function offerPathPeer(facts: NodeFactsView, onNone?: () => void): () => IntroPeer | undefined {
  return () => {
    if (!wantsBlindedPath(facts, false)) return undefined;
    const peer = bestIntroPeer(facts, { features: [FEATURE_ONION_MESSAGES] });
    if (!peer) onNone?.();
    return peer;
  };
}

/**
 * The daemon's `paymentPathPeer`: the peer for an invoice's payment path, when the node needs one. As
 * CLN, the peer must offer route blinding and onion messages.
 */
export function paymentPathPeer(facts: NodeFactsView, onNone?: () => void): (amount_msat: bigint) => IntroPeer | undefined {
  return (amount_msat) => {
    if (!wantsBlindedPath(facts, true)) return undefined;
    const peer = bestIntroPeer(facts, { features: [FEATURE_ROUTE_BLINDING, FEATURE_ONION_MESSAGES], amount_msat });
    if (!peer) onNone?.();
    return peer;
  };
}
