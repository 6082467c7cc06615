/**
 * `offer`'s optional `idempotency_key` and `metadata` (issue 15), as on `invoice`: the key and the call's
 * fingerprint are stored with the new offer in its creating transaction; a repeat with the same key and
 * parameters answers with the first result (`created: true`), other parameters are refused naming the
 * first offer's label (or its offer_id). Metadata is stored as given and returned by `listoffers`.
 */
import { equalBytes } from '../util/bytes.js';
import { toHex } from '../util/hex.js';
import { checkIdempotencyKey } from '../invoice/idempotency.js';
import type { Metadata } from '../invoice/metadata.js';
import { OfferError } from './offer-errors.js';
import { toRecord, type AnyKysely, type Bolt12Record, type OfferTables } from './offer-store.js';
import type { Kysely } from 'kysely';

/** Steps inside `createOffer`'s transaction. */
export interface OfferExtension {
  /** An offer to answer with instead of creating one (an idempotent repeat). */
  before(db: AnyKysely): Promise<Bolt12Record | undefined>;
  /** After the insert: the offer as it stands at the end of the transaction. */
  after(db: AnyKysely, offer: Bolt12Record): Promise<Bolt12Record>;
}

const on = (db: AnyKysely): Kysely<OfferTables> => db.withTables<OfferTables>() as unknown as Kysely<OfferTables>;

export function offerExtension(p: { idempotency_key?: string; fingerprint?: Uint8Array; metadata?: Metadata }): OfferExtension | undefined {
  const key = p.idempotency_key;
  if (key === undefined && !p.metadata) return undefined;
  if (key !== undefined) checkIdempotencyKey(key);
  return {
    async before(db) {
      if (key === undefined) return undefined;
      const r = await on(db).selectFrom('offers').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
      if (!r) return undefined;
      const first = toRecord(r);
      if (r.idempotency_fingerprint && p.fingerprint && equalBytes(new Uint8Array(r.idempotency_fingerprint), p.fingerprint)) return first;
      const name = first.label !== undefined ? `the offer labelled '${first.label}'` : `the offer ${toHex(first.id)}`;
      throw new OfferError('InvalidParams', `idempotency_key: already used with other parameters by ${name}`);
    },
    async after(db, offer) {
      const r = await on(db)
        .updateTable('offers')
        .set({
          ...(p.metadata ? { metadata: p.metadata.text } : {}),
          ...(key !== undefined ? { idempotency_key: key, idempotency_fingerprint: p.fingerprint ?? null } : {}),
        } as never)
        .where('offer_id', '=', offer.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(r);
    },
  };
}
