/** The HTLCs that paid invoices (`invoice_htlcs`), kept so a replayed HTLC is answered with its preimage. */
import type { Msat } from '../../util/msat.js';
import { prepared, type Db } from './prepared.js';

export interface HtlcPart {
  readonly short_channel_id: string;
  readonly id: bigint;
  readonly amount_msat: Msat;
}

/** Records the HTLCs that paid an invoice, each with the preimage a replay must be answered with. */
export async function insertHtlcs(
  db: Db,
  payment_hash: Uint8Array,
  payment_preimage: Uint8Array,
  parts: readonly HtlcPart[],
): Promise<void> {
  if (parts.length === 0) return;
  await db
    .insertInto('invoice_htlcs')
    .values(
      parts.map((p) => ({
        short_channel_id: p.short_channel_id,
        id: p.id,
        payment_hash,
        amount_msat: p.amount_msat.toString(),
        payment_preimage,
      })),
    )
    .execute();
}

const paidHtlc = prepared(2, (db, short_channel_id: string, id: bigint) =>
  db
    .selectFrom('invoice_htlcs')
    .select(['payment_hash', 'payment_preimage'])
    .where('short_channel_id', '=', short_channel_id)
    .where('id', '=', id)
    .where('payment_preimage', 'is not', null),
);

/**
 * The payment an HTLC helped pay, from the HTLC records alone: they outlive the invoice, so a replay is
 * fulfilled even after `delinvoice` or autoclean removed it.
 */
export async function findPaidHtlc(
  db: Db,
  short_channel_id: string,
  id: bigint,
): Promise<{ payment_hash: Uint8Array; preimage: Uint8Array } | undefined> {
  const [r] = await paidHtlc(db, short_channel_id, id);
  return r?.payment_preimage
    ? { payment_hash: new Uint8Array(r.payment_hash), preimage: new Uint8Array(r.payment_preimage) }
    : undefined;
}
