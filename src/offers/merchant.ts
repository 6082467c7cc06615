/**
 * The BOLT 12 merchant flow as one service for the RPC layer: incoming onion messages
 * (`onion_message_recv`), `sendinvoice`, the outbox and the currency rates. The daemon builds it once;
 * handlers in src/rpc/commands/ bind parameters and call it.
 */
import type { Logger } from 'pino';
import type { NodeKeys } from '../crypto/node-keys.js';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import type { InvoiceEngineImpl } from '../invoice/engine.js';
import type { Clock, RandomSource } from '../util/clock.js';
import type { Network } from '../util/network.js';
import { createBolt12Invoice, prepareBolt12Invoice } from './createinvoice-bolt12.js';
import { createCurrencyRates, type CurrencyRates } from './currency-rates.js';
import type { Invoice } from '../invoice/invoice.js';
import { createInvreqAnswerer } from './invreq-answer.js';
import { createOutbox, type Outbox } from './outbox.js';
import type { IntroPeer } from './peer-paths.js';
import { createSendInvoice, type SendInvoiceService } from './sendinvoice.js';

/** An onion message for us, as a bridge hands it in (the fields of CLN's onion_message_recv hooks). */
export interface IncomingOnionMessage {
  /** The `path_id` of our blinded path it arrived over (CLN's `pathsecret`), if it came over one. */
  readonly pathSecret?: Uint8Array;
  /** True when the sender gave a reply path (`reply_blindedpath`). */
  readonly hasReplyPath: boolean;
  readonly invoice_request?: Uint8Array;
  readonly invoice?: Uint8Array;
  readonly invoice_error?: Uint8Array;
}

/** What the bridge should do: nothing (continue), or send one of these back along the reply path. */
export type OnionMessageAnswer =
  | { readonly result: 'continue' }
  | { readonly result: 'reply'; readonly invoice: Uint8Array }
  | { readonly result: 'reply'; readonly invoice_error: Uint8Array };

export interface Merchant {
  onionMessage(m: IncomingOnionMessage): Promise<OnionMessageAnswer>;
  readonly sendinvoice: SendInvoiceService;
  readonly outbox: Outbox;
  readonly rates: CurrencyRates;
  /** `createinvoice` of an unsigned BOLT 12 invoice (`lni`): path added if none, signed, stored. */
  createInvoice(p: { readonly invstring: string; readonly label: string; readonly preimage: Uint8Array }): Promise<Invoice>;
  /** `check createinvoice` of an `lni`: the same checks, path and signature, without storing anything. */
  checkInvoice(p: { readonly invstring: string; readonly label: string; readonly preimage: Uint8Array }): Promise<void>;
  close(): Promise<void>;
}

export interface MerchantDeps {
  readonly db: InvoiceDatabase;
  readonly invoices: InvoiceEngineImpl;
  readonly nodeKeys: NodeKeys;
  readonly network: Network;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly cltvFinal: number;
  readonly logger?: Logger;
  /** How long a currency rate stays usable (default one hour). */
  readonly rateMaxAgeSeconds?: number;
  /** Invoices' payment paths through a public peer, when the node needs them (invreq-answer.ts). */
  readonly paymentPathPeer?: (amount_msat: bigint) => IntroPeer | undefined;
  readonly blockheight?: () => number;
}

export function createMerchant(deps: MerchantDeps): Merchant {
  const rates = createCurrencyRates({
    db: deps.db,
    clock: deps.clock,
    ...(deps.rateMaxAgeSeconds !== undefined ? { maxAgeSeconds: deps.rateMaxAgeSeconds } : {}),
  });
  const outbox = createOutbox({ db: deps.db, clock: deps.clock, random: deps.random });
  const answerer = createInvreqAnswerer({ ...deps, rates });
  const sendinvoice = createSendInvoice({ ...deps, outbox });
  outbox.onRelayedReply((r) => void sendinvoice.reply(r));

  async function onionMessage(m: IncomingOnionMessage): Promise<OnionMessageAnswer> {
    const present = [m.invoice_request, m.invoice, m.invoice_error].filter((x) => x !== undefined).length;
    // BOLT 4: a final node "MUST ignore the message" if it carries more than one of invoice_request,
    // invoice and invoice_error; with none, it is not a BOLT 12 message at all.
    if (present !== 1) return { result: 'continue' };
    if (m.invoice_request !== undefined) {
      // BOLT 12: the invoice (or error) goes back "via the onion message `reply_path`": without one
      // there is no one to answer, and writing an invoice nobody can see would only fill the table.
      if (!m.hasReplyPath) return { result: 'continue' };
      const a = await answerer.answer(m.invoice_request, m.pathSecret !== undefined ? { pathSecret: m.pathSecret } : {});
      return a.kind === 'invoice' ? { result: 'reply', invoice: a.bytes } : { result: 'reply', invoice_error: a.bytes };
    }
    // An invoice or invoice_error: ours if it answers a pending sendinvoice (then that call ends with
    // 1004); otherwise someone else's (e.g. the node's own fetchinvoice).
    // Not waiting here: maybe on another daemon of the same PostgreSQL database.
    if (!sendinvoice.reply(m) && m.pathSecret !== undefined) await outbox.relayReply(m);
    return { result: 'continue' };
  }

  return {
    onionMessage,
    sendinvoice,
    outbox,
    rates,
    createInvoice: (p) => createBolt12Invoice({ ...deps }, p),
    checkInvoice: async (p) => void (await prepareBolt12Invoice({ ...deps }, p)),
    async close() {
      await outbox.close();
      await rates.close();
    },
  };
}
