/**
 * Creating offers: `offer` (build our `lno`, store it, or hand back the identical one that exists) and
 * `check offer` (what `offer` would refuse, writing nothing). Every offer carries `offer_issuer_id` = our
 * node id, and `offer_paths` only when the node needs a blinded path (peer-paths.ts).
 */
import { nowSeconds } from '../../util/clock.js';
import { toHex } from '../../util/hex.js';
import type { Msat } from '../../util/msat.js';
import type { OfferFields } from '../bolt12/fields.js';
import { currencyMinorUnit } from '../bolt12/iso4217.js';
import { buildOffer, type Offer } from '../bolt12/offer.js';
import { derivePathId } from '../blinding/route-blinding.js';
import { messagePathVia } from '../peer-paths.js';
import { OfferError } from '../offer-errors.js';
import * as store from '../offer-store.js';
import type { OfferExtension } from '../offer-extras.js';
import type { CreatedOffer, CreateOfferParams, OfferAmount } from '../offer-api.js';
import { ACTIVE, entry, SINGLE, type OfferEngineCore } from './core.js';

const U64_MAX = (1n << 64n) - 1n;

const invalid = (message: string, param?: string): OfferError =>
  new OfferError('InvalidParams', message, param !== undefined ? { param } : {});

/**
 * The offer_amount and offer_currency of a currency amount. CLN's rule (plugins/offers_offer.c): the
 * fraction, when written, must have exactly the currency's ISO 4217 minor units ("10.05USD", "1000JPY").
 */
export function currencyAmount(a: Exclude<OfferAmount, 'any' | Msat>): { offer_currency: string; offer_amount: bigint } {
  const minor = currencyMinorUnit(a.currency);
  if (minor === undefined) throw invalid(`Unknown currency suffix ${a.currency}`);
  if (a.fraction !== undefined && a.fraction.length !== minor) {
    throw invalid(`Currency ${a.currency} requires ${minor} minor units`);
  }
  const amount = BigInt(a.whole) * 10n ** BigInt(minor) + BigInt(a.fraction ?? '0');
  if (amount > U64_MAX) throw invalid('excessively large value', 'amount');
  // BOLT 12: "if `offer_amount` is set and is not greater than zero: MUST NOT respond to the offer."
  if (amount === 0n) throw invalid('must be greater than zero', 'amount');
  return { offer_currency: a.currency, offer_amount: amount };
}

export interface OfferCreationJob {
  createOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<CreatedOffer>;
  checkOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<void>;
}

export function createOfferCreationJob(core: OfferEngineCore): OfferCreationJob {
  const { deps, db, nodeKeys, network, clock, random, logger, queue, chain } = core;
  const offerBase = nodeKeys.deriveSecret('offer-blinded-path');

  /**
   * Adds a blinded path through a public peer when the node needs one. Its `path_id` is
   * SHA256(makesecret("offer-blinded-path") || offer_id of the offer without paths), as CLN's, so an
   * invoice_request over it is recognised without storing anything. The path's keys are fresh each
   * time, so two such offers with the same terms are two offers.
   */
  function withOfferPath(pathless: Offer, fields: OfferFields): Offer {
    const peer = deps.offerPathPeer?.();
    if (!peer) return pathless;
    const path = messagePathVia(nodeKeys.nodeId, random, peer, derivePathId(offerBase, pathless.offer_id));
    logger?.debug({ introduction_node: toHex(peer.node_id) }, 'offer gets a blinded path through a public peer');
    return buildOffer({ ...fields, offer_paths: [path] });
  }

  /** The offer's fields, after the rules that need no state (CLN's order and texts). */
  function offerFieldsOf(p: CreateOfferParams): OfferFields {
    const amount =
      p.amount === 'any' ? {} : typeof p.amount === 'bigint' ? { offer_amount: p.amount as bigint } : currencyAmount(p.amount);
    if (amount.offer_amount === 0n) throw invalid('must be greater than zero', 'amount');
    // BOLT 12: "if `offer_amount` is set and `offer_description` is not set: MUST NOT respond to the offer."
    if (amount.offer_amount !== undefined && p.description === undefined) {
      throw invalid('description: description is required for the user to know what it was they paid for');
    }
    // As CLN: a maximum of one is the same as no quantity at all, so it is refused.
    if (p.quantity_max === 1n) throw invalid('must be 0 or > 1', 'quantity_max');
    const fields: OfferFields = {
      // BOLT 12: "if the chain for the invoice is not solely bitcoin: MUST specify `offer_chains`".
      ...(network !== 'bitcoin' ? { offer_chains: [chain] } : {}),
      ...amount,
      ...(p.description !== undefined ? { offer_description: p.description } : {}),
      ...(p.absolute_expiry !== undefined ? { offer_absolute_expiry: p.absolute_expiry } : {}),
      ...(p.issuer !== undefined ? { offer_issuer: p.issuer } : {}),
      ...(p.quantity_max !== undefined ? { offer_quantity_max: p.quantity_max } : {}),
      // BOLT 12: "otherwise (no `offer_paths`): MUST set `offer_issuer_id` to the node's public key".
      offer_issuer_id: nodeKeys.nodeId,
    };
    return fields;
  }

  /**
   * `check offer`: what `createOffer` would refuse, reading only: its rules, the offer's encoding, an
   * idempotency key used with other parameters, and an identical offer that exists but is inactive (only
   * an offer without a blinded path can be identical: a path's keys are fresh each time).
   */
  async function checkOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<void> {
    const fields = offerFieldsOf(p);
    const pathless = buildOffer(fields);
    if (await ext?.before(db)) return; // an idempotent repeat: answered with the first offer
    if (deps.offerPathPeer?.()) return;
    const existing = await store.findOffer(db, pathless.offer_id);
    if (existing && (existing.status & ACTIVE) === 0) throw new OfferError('AlreadyExists', "Already exists, but isn't active");
  }

  async function createOffer(p: CreateOfferParams, ext?: OfferExtension): Promise<CreatedOffer> {
    const fields = offerFieldsOf(p);
    const offer = withOfferPath(buildOffer(fields), fields);
    const row = {
      id: offer.offer_id,
      bolt12: offer.string,
      ...(p.label !== undefined ? { label: p.label } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      status: ACTIVE | (p.single_use ? SINGLE : 0),
      created_at: nowSeconds(clock),
    };
    const out = await queue.run(async (tx): Promise<CreatedOffer> => {
      const repeat = await ext?.before(tx.db);
      if (repeat) return { offer: entry(repeat), created: true };
      const inserted = await store.insertOffer(tx.db, row);
      if (inserted) {
        const offer = entry(ext ? await ext.after(tx.db, inserted) : inserted);
        tx.event('offer_created', offer); // event feed (src/events/)
        return { offer, created: true };
      }
      // The same parameters make the same bytes, hence the same offer_id: CLN hands back the existing one.
      const existing = await store.findOffer(tx.db, offer.offer_id);
      if (!existing) throw new Error('offer insert clashed but no offer has its id');
      if ((existing.status & ACTIVE) === 0) throw new OfferError('AlreadyExists', "Already exists, but isn't active");
      return { offer: entry(existing), created: false };
    });
    if (out.created) logger?.debug({ single_use: p.single_use ?? false }, 'offer created');
    return out;
  }

  return { createOffer, checkOffer };
}
