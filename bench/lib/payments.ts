/**
 * Invoices to pay and the `htlc_accepted` payloads a node bridge sends for them (Core Lightning's hook
 * payload: the final hop's onion fields and the HTLC), with fresh HTLC ids over a few channels.
 */
import type { BenchClient } from './client.js';
import { amountMsat, description } from './scenario.js';

export const BLOCKHEIGHT = 800_000;

export interface PayTarget {
  readonly payment_hash: string;
  readonly payment_secret: string;
  readonly amount_msat: number;
}

let labels = 0;

/**
 * Creates `count` invoices through `clients` (in parallel); not timed by the callers. `method` and `extra`
 * make other kinds (hold invoices).
 */
export async function createTargets(
  clients: readonly BenchClient[],
  count: number,
  method = 'invoice',
  extra: Record<string, unknown> = {},
): Promise<PayTarget[]> {
  const out: PayTarget[] = [];
  let next = 0;
  await Promise.all(
    clients.map(async (c) => {
      while (next < count) {
        next++;
        const i = labels++;
        const amount = amountMsat(i);
        const r = await c.ok(method, { amount_msat: amount, label: `pay-${process.pid}-${i}`, description: description(i), ...extra });
        out.push({ payment_hash: r.result.payment_hash as string, payment_secret: r.result.payment_secret as string, amount_msat: amount });
      }
    }),
  );
  return out;
}

let htlcId = 0;
const CHANNELS = ['103x1x0', '104x2x1', '105x3x0', '106x1x1'];

/** The hook payloads paying `t` in `parts` HTLCs (the remainder on the last). */
export function htlcPayloads(t: PayTarget, parts: number): unknown[] {
  const each = Math.floor(t.amount_msat / parts);
  return Array.from({ length: parts }, (_, k) => {
    const amount = k === parts - 1 ? t.amount_msat - each * (parts - 1) : each;
    const id = htlcId++;
    return {
      onion: {
        payload: '00',
        type: 'tlv',
        forward_msat: amount,
        outgoing_cltv_value: BLOCKHEIGHT + 20,
        total_msat: t.amount_msat,
        payment_secret: t.payment_secret,
        next_onion: '00'.repeat(1366),
        shared_secret: '11'.repeat(32),
      },
      htlc: {
        short_channel_id: CHANNELS[id % CHANNELS.length],
        id,
        amount_msat: amount,
        cltv_expiry: BLOCKHEIGHT + 20,
        cltv_expiry_relative: 20,
        payment_hash: t.payment_hash,
      },
    };
  });
}

/** Pays `t` in `parts` HTLCs at once on `c`; throws unless every HTLC is answered `resolve`. */
export async function pay(c: BenchClient, t: PayTarget, parts: number): Promise<void> {
  const answers = await Promise.all(htlcPayloads(t, parts).map((p) => c.ok('htlc_accepted', p)));
  for (const a of answers) {
    if (a.result?.result !== 'resolve') throw new Error(`payment not resolved: ${JSON.stringify(a.result)}`);
  }
}
