/**
 * What the offer engine's jobs share (src/offers/offer-engine.ts builds one per engine): the database and
 * its group-commit write queue, the injected node keys, clock and randomness, our chain's hash, and the one
 * way a stored offer or invoice_request is handed out (`entry`, its status bits spelt out).
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { NodeKeys } from '../../crypto/node-keys.js';
import type { InvoiceDb } from '../../invoice/store/schema.js';
import { WriteQueue } from '../../invoice/store/write-queue.js';
import type { Clock, RandomSource } from '../../util/clock.js';
import { fromHex } from '../../util/hex.js';
import { CHAIN_HASH, type Network } from '../../util/network.js';
import { OfferError } from '../offer-errors.js';
import * as store from '../offer-store.js';
import type { Bolt12Entry, OfferEngineDeps } from '../offer-api.js';

export const { active: ACTIVE, single_use: SINGLE } = store.STATUS;

export interface OfferEngineCore {
  readonly deps: OfferEngineDeps;
  readonly db: Kysely<InvoiceDb>;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger | undefined;
  readonly queue: WriteQueue;
  /** Our network's chain hash (`offer_chains`, `invreq_chain`, decode). */
  readonly chain: Uint8Array;
}

export function createOfferEngineCore(deps: OfferEngineDeps): OfferEngineCore {
  const { db: database, nodeKeys, network, clock, random, logger } = deps;
  return {
    deps,
    db: database.db,
    nodeKeys,
    network,
    clock,
    random,
    logger,
    // Group commit, as the invoice engine: concurrent creations share one transaction (one fsync).
    queue: WriteQueue.shared(database),
    chain: fromHex(CHAIN_HASH[network], 32),
  };
}

/** A stored offer or invoice_request as the commands and the event feed see it. */
export function entry(r: store.Bolt12Record): Bolt12Entry {
  return Object.freeze({
    id: r.id,
    bolt12: r.bolt12,
    active: (r.status & ACTIVE) !== 0,
    single_use: (r.status & SINGLE) !== 0,
    used: (r.status & store.STATUS.used) !== 0,
    ...(r.label !== undefined ? { label: r.label } : {}),
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.metadata !== undefined ? { metadata: r.metadata } : {}),
  });
}

export const notFound = (what: 'offer' | 'invoice_request'): OfferError =>
  new OfferError('NotFound', what === 'offer' ? 'Unknown offer' : 'Unknown invoice_request');
