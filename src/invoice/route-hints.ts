/**
 * Route hints for `invoice`, chosen from the node's channels as Core Lightning v26.06 chooses them
 * (lightningd/routehint.c `routehint_candidates`, lightningd/invoice.c `add_routehints`):
 *
 * 1. Candidates: channels the peer has sent a channel_update for (it tells what paying us costs), in a
 *    state that can add HTLCs (`CHANNELD_NORMAL`, `CHANNELD_AWAITING_SPLICE`), with a sane base fee.
 *    A candidate's capacity is what the peer can send us (`receivable_msat`), at most its
 *    `htlc_maximum_msat`. Any such public channel means the node is published.
 * 2. `exposeprivatechannels`: absent — private channels only when the node has no public channel at
 *    all; `false` — never; `true` — private channels count as public; a short channel id or a list —
 *    only those channels (by id, local alias or remote alias), also with no capacity, and 902 when none
 *    is suitable.
 * 3. Without a list, dead ends (the peer can forward us nothing from elsewhere: `listincoming`'s
 *    `incoming_capacity_msat` 0) and offline peers are left out, their capacity noted for warnings.
 * 4. The id in the hint: the remote alias for `option_scid_alias` channels (BOLT 2: never the real id)
 *    and for private ones, else the real short channel id.
 * 5. Choice: a published node picks ONE channel able to take the whole amount, at random weighted by
 *    its spare capacity as a fraction of the channel (harder to probe); an unpublished node, or when no
 *    single channel suffices, takes channels round-robin until their capacities cover the amount
 *    (`warning_mpp` when more than one was needed).
 * 6. Warnings, in CLN's order and words, only when they apply (see `warningsFor`).
 */
import type { Bolt11RouteHop } from './bolt11/types.js';
import { InvoiceError } from './errors.js';
import type { IncomingCapacities, NodeChannel } from './node-facts.js';

/** `exposeprivatechannels` as bound: absent, true/false, or a list of short channel ids. */
export type ExposePrivateChannels = boolean | readonly string[] | undefined;

/** CLN's 902 text (INVOICE_HINTS_GAVE_NO_ROUTES). */
export const HINTS_GAVE_NO_ROUTES = 'None of those hints were suitable local channels';

/** CLN's warning texts, in the order CLN writes them. */
export const ROUTE_HINT_WARNINGS = {
  warning_mpp: 'The invoice is only payable by MPP-capable payers.',
  warning_capacity: 'Insufficient incoming channel capacity to pay invoice',
  warning_deadends: 'Insufficient incoming capacity, once dead-end peers were excluded',
  warning_offline: 'Insufficient incoming capacity, once offline peers were excluded',
  warning_private_unused:
    'Insufficient incoming capacity, once private channels were excluded (try exposeprivatechannels=true?)',
} as const;
export type RouteHintWarning = keyof typeof ROUTE_HINT_WARNINGS;

/**
 * Round-robin order of channels (CLN's `rr_number`): a channel first seen gets the next number; one
 * used in a multi-channel choice goes to the back. Kept by the daemon across invoices, so consecutive
 * invoices of an unpublished node spread over its channels.
 */
export class RoundRobin {
  private readonly numbers = new Map<string, number>();
  private counter = 0;

  /** The channel's place (lower first). */
  place(key: string): number {
    let n = this.numbers.get(key);
    if (n === undefined) {
      n = this.counter++;
      this.numbers.set(key, n);
    }
    return n;
  }

  /** Sends the channel to the back. */
  used(key: string): void {
    this.numbers.set(key, this.counter++);
  }
}

interface Candidate {
  /** The channel's id as `listincoming` names it (real id, else local alias): round-robin key. */
  readonly key: string;
  readonly channel: NodeChannel;
  readonly capacity: bigint;
  readonly hop: Bolt11RouteHop;
}

export interface RouteHintInput {
  readonly channels: readonly NodeChannel[];
  readonly incoming?: IncomingCapacities;
  readonly expose: ExposePrivateChannels;
  /** undefined: an "any" invoice (CLN then needs 1 msat). */
  readonly amount_msat?: bigint;
  /** A uniform double in [0, 1). */
  readonly random: () => number;
  readonly roundRobin: RoundRobin;
}

export interface RouteHintChoice {
  /** One single-hop route per chosen channel, for the BOLT 11 `r` fields. */
  readonly routes: Bolt11RouteHop[][];
  /** `warning_*` name and text, in CLN's order. */
  readonly warnings: ReadonlyArray<readonly [RouteHintWarning, string]>;
}

interface Capacities {
  avail: bigint;
  priv: bigint;
  deadend: bigint;
  offline: bigint;
}

const U32_MAX = 0xffff_ffffn;

/** CLN's channel_state_can_add_htlc. */
export function canAddHtlc(state: string): boolean {
  return state === 'CHANNELD_NORMAL' || state === 'CHANNELD_AWAITING_SPLICE';
}

/** The id a payer should use for the channel in a hint, or undefined when it has none usable yet. */
function hintScid(c: NodeChannel): string | undefined {
  // BOLT 2: "if `channel_type` has `option_scid_alias` set: MUST NOT use the real `short_channel_id` in
  // BOLT 11 `r` fields."
  if (c.scid_alias) return c.alias_remote;
  if (c.alias_remote !== undefined && (c.private || c.short_channel_id === undefined)) return c.alias_remote;
  return c.short_channel_id;
}

/** Candidates split into public and private, with the capacities left out on the way. */
function candidates(input: RouteHintInput): { pub: Candidate[]; priv: Candidate[]; nonePublic: boolean; caps: Capacities } {
  const hints = Array.isArray(input.expose) ? input.expose : undefined;
  const exposeAll = input.expose === true || hints !== undefined;
  const pub: Candidate[] = [];
  const priv: Candidate[] = [];
  const caps: Capacities = { avail: 0n, priv: 0n, deadend: 0n, offline: 0n };
  let nonePublic = true;
  for (const c of input.channels) {
    const key = c.short_channel_id ?? c.alias_local;
    const update = c.remote_update;
    // Not in listincoming: no id yet, or no channel_update from the peer yet.
    if (key === undefined || update === undefined) continue;
    if (update.cltv_expiry_delta > 0xffff) continue;
    if (!canAddHtlc(c.state)) continue;
    const capacity = c.receivable_msat < update.htlc_maximum_msat ? c.receivable_msat : update.htlc_maximum_msat;
    let isPublic = !c.private;
    if (isPublic) nonePublic = false;
    if (exposeAll) isPublic = true;
    if (update.fee_base_msat > U32_MAX) continue;
    if (hints) {
      const listed = hints.includes(key) || (c.alias_remote !== undefined && hints.includes(c.alias_remote));
      if (!listed) continue;
    } else if (input.incoming?.get(key)?.incoming_capacity_msat === 0n) {
      caps.deadend += capacity;
      continue;
    }
    if (!c.peer_connected) {
      caps.offline += capacity;
      continue;
    }
    const scid = hintScid(c);
    if (scid === undefined) continue;
    const candidate: Candidate = {
      key,
      channel: c,
      capacity,
      hop: {
        pubkey: c.peer_id,
        short_channel_id: scid,
        fee_base_msat: Number(update.fee_base_msat),
        fee_proportional_millionths: update.fee_proportional_millionths,
        cltv_expiry_delta: update.cltv_expiry_delta,
      },
    };
    if (isPublic) {
      pub.push(candidate);
      caps.avail += capacity;
    } else {
      priv.push(candidate);
      caps.priv += capacity;
    }
  }
  return { pub, priv, nonePublic, caps };
}

/**
 * One channel able to take `needed`, by weighted reservoir sampling: the weight is the spare capacity
 * (plus 1 msat, so a channel with none left over still counts) over the channel's size less both
 * reserves. Favours channels with less of their balance on our side.
 */
function selectOne(list: readonly Candidate[], needed: bigint, random: () => number): Candidate | undefined {
  let chosen: Candidate | undefined;
  let total = 0;
  for (const c of list) {
    if (c.capacity < needed) continue;
    const size = (c.channel.total_msat ?? c.capacity) - (c.channel.our_reserve_msat ?? 0n) - (c.channel.their_reserve_msat ?? 0n);
    if (size <= 0n) continue;
    const weight = Number(c.capacity - needed + 1n) / Number(size);
    total += weight;
    if (weight > 0 && random() <= weight / total) chosen = c;
  }
  return chosen;
}

/** Channels in round-robin order until their capacities cover `needed`; each used one goes to the back. */
function selectRoundRobin(list: readonly Candidate[], needed: bigint, rr: RoundRobin): Candidate[] {
  // Places are given in list order first (a channel first seen now goes after the known ones).
  const places = new Map(list.map((c) => [c.key, rr.place(c.key)]));
  const sorted = [...list].sort((a, b) => places.get(a.key)! - places.get(b.key)!);
  const out: Candidate[] = [];
  let gathered = 0n;
  for (const c of sorted) {
    if (gathered >= needed) break;
    gathered += c.capacity;
    out.push(c);
    rr.used(c.key);
  }
  return out;
}

/** CLN's warnings: capacity when even everything would not do; the others only if they would have helped. */
function warningsFor(needed: bigint, caps: Capacities, mpp: boolean): RouteHintWarning[] {
  const out: RouteHintWarning[] = [];
  if (mpp) out.push('warning_mpp');
  if (needed >= caps.avail + caps.offline + caps.deadend + caps.priv) out.push('warning_capacity');
  if (needed > caps.avail) {
    if (caps.avail + caps.offline >= needed) out.push('warning_offline');
    else if (caps.avail + caps.offline + caps.deadend >= needed) out.push('warning_deadends');
    else if (caps.avail + caps.offline + caps.deadend + caps.priv >= needed) out.push('warning_private_unused');
  }
  return out;
}

/**
 * Chooses the route hints and warnings of a new invoice.
 * @throws InvoiceError('HintsGaveNoRoutes') (902) when `expose` lists channels and none of them is suitable.
 */
export function chooseRouteHints(input: RouteHintInput): RouteHintChoice {
  const found = candidates(input);
  let list = found.pub;
  const caps = found.caps;
  // By default, private channels are used only when the node has no public channel at all.
  if (input.expose === undefined && list.length === 0 && found.nonePublic) {
    list = found.priv;
    caps.avail = caps.priv;
    caps.priv = 0n; // what is left is the *unused* private capacity
  }
  if (list.length === 0 && Array.isArray(input.expose) && input.expose.length > 0) throw new InvoiceError('HintsGaveNoRoutes', HINTS_GAVE_NO_ROUTES);
  const needed = input.amount_msat ?? 1n;
  // A published node can be paid directly too, so one random channel is enough when one suffices; an
  // unpublished node spreads invoices over its channels, since the hints are the only way to it.
  const one = found.nonePublic ? undefined : selectOne(list, needed, input.random);
  const chosen = one ? [one] : selectRoundRobin(list, needed, input.roundRobin);
  const mpp = !one && chosen.length > 1;
  return {
    routes: chosen.map((c) => [c.hop]),
    warnings: warningsFor(needed, caps, mpp).map((w) => [w, ROUTE_HINT_WARNINGS[w]] as const),
  };
}

/** A uniform double in [0, 1) from random bytes (53 bits). */
export function randomDouble(random: (n: number) => Uint8Array): () => number {
  return () => {
    const b = random(7);
    let v = 0;
    for (const x of b) v = v * 256 + x;
    return (v % 2 ** 53) / 2 ** 53;
  };
}

/**
 * The engine's `routeHints` over the bridge's node facts: undefined until a channel list was reported
 * (then `invoice` behaves as without a node: no hints, `exposeprivatechannels` ignored with a warning).
 */
export function routeHintsFromFacts(
  facts: { channels(): readonly NodeChannel[] | undefined; incoming(): IncomingCapacities | undefined },
  random: () => number,
): (p: { amount_msat?: bigint; exposeprivatechannels?: ExposePrivateChannels }) => RouteHintChoice | undefined {
  const roundRobin = new RoundRobin();
  return (p) => {
    const channels = facts.channels();
    if (!channels) return undefined;
    const incoming = facts.incoming();
    return chooseRouteHints({
      channels,
      ...(incoming && { incoming }),
      expose: p.exposeprivatechannels,
      ...(p.amount_msat !== undefined && { amount_msat: p.amount_msat }),
      random,
      roundRobin,
    });
  };
}
