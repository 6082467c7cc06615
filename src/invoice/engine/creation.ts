/**
 * Creation: `invoice` (build and sign a BOLT 11 invoice, then store it), `createinvoice` (re-sign and store
 * a BOLT 11 invoice built elsewhere) and `storeInvoice` (the offers module's BOLT 12 invoices). The
 * uniqueness checks run in the order each command reports them: 901 before 900 for `invoice`, 900 (with
 * the existing invoice) before 901 for the others.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { nowSeconds } from '../../util/clock.js';
import { DEFAULT_CLTV_FINAL } from '../../util/network.js';
import type { CreatedInvoice, CreateFromInvstringParams, CreateInvoiceParams } from '../api.js';
import { buildBolt11, checkCreateFromInvstring, parseFallbacks, resignBolt11, type Bolt11Draft } from '../create.js';
import { InvoiceError, labelExists } from '../errors.js';
import type { Invoice } from '../invoice.js';
import * as store from '../store/store.js';
import type { WriteTx } from '../store/write-queue.js';
import { checkDescription, checkLabel } from '../validate.js';
import { setInvoiceWebhook } from '../../events/invoice-webhooks.js';
import type { CreateExtension, CreateRepeat } from '../engine-hooks.js';
import { paymentSecretFromPreimage } from '../payments/secret.js';
import type { EngineCore } from './core.js';
import type { ExpiryJob } from './expiry.js';
import type { StoreInvoiceParams } from './types.js';

const EXPOSE_WARNING =
  'exposeprivatechannels is ignored: this daemon holds no channels, so its invoices carry no route hints';

export interface CreationJob {
  create(p: CreateInvoiceParams, ext?: CreateExtension): Promise<CreatedInvoice>;
  /** Every check `create` makes of its inputs before signing; throws its errors, changes nothing. */
  checkCreate(p: CreateInvoiceParams): void;
  /**
   * Every check `create` makes, through the insert's uniqueness (901, then 900), by reads only: what a
   * `check` of a creating command other than `invoice` answers (CLN's `invoice` check stops before them).
   */
  checkCreateStored(p: CreateInvoiceParams, ext?: CreateExtension): Promise<void>;
  createFromInvstring(p: CreateFromInvstringParams): Promise<Invoice>;
  storeInvoice(p: StoreInvoiceParams, within?: (tx: WriteTx, invoice: Invoice) => Promise<void>): Promise<Invoice>;
}

export function createCreationJob(core: EngineCore, expiry: Pick<ExpiryJob, 'armIfSooner'>): CreationJob {
  const { deps, database, nodeKeys, network, clock, random, logger, codec, queue, bump } = core;
  const invoiceExpiry = deps.config?.invoiceExpiry ?? 3600;
  const cltvFinal = deps.config?.cltvFinal ?? DEFAULT_CLTV_FINAL[network];

  /**
   * Inserts a new invoice inside `tx` in one statement that writes all or nothing (`store.insertInvoiceNext`);
   * when it wrote nothing, the store says which value was taken, reported in the order the caller gives.
   * No earlier lookup is needed: under the write lock nothing can change between the insert and the lookup.
   * Nothing is awaited before the insert, so the inserts of a batch's operations started together reach
   * the store in the batch's order (PostgreSQL inserts them together, store/pg-invoice-batch.ts).
   */
  async function insertChecked(
    tx: WriteTx,
    row: Omit<store.NewInvoiceRow, 'created_index'>,
    labelFirst: boolean,
  ): Promise<Invoice> {
    const got = await store.insertInvoiceNext(tx.db, row);
    if (!('invoice' in got)) throw await duplicateError(tx, row.label, got.taken, labelFirst);
    bump(tx, 'created', 'created', got.invoice, { value: got.invoice.created_index });
    return got.invoice;
  }

  /** Why an insert that wrote nothing (`ON CONFLICT DO NOTHING`) was refused, in the caller's order. */
  async function duplicateError(tx: WriteTx, label: string, taken: store.Taken, labelFirst: boolean): Promise<Error> {
    const existing = labelFirst && taken.label ? await store.findByLabel(tx.db, label) : undefined;
    if (existing) return labelExists(existing);
    if (taken.hash) return new InvoiceError('PreimageExists', 'preimage already used');
    if (taken.label) return new InvoiceError('LabelExists', `Duplicate label '${label}'`);
    // Neither taken: the counter row is missing or its next value is already a row's created_index.
    return new Error('invoice insert wrote nothing: created_index counter missing or behind the table');
  }

  /** `invoice`'s checks of its inputs, in the order the command reports them; what they derive. */
  function validateCreate(p: CreateInvoiceParams) {
    checkLabel(p.label);
    const deschashonly = p.deschashonly ?? false;
    checkDescription(p.description, deschashonly);
    if (p.amount_msat !== undefined && p.amount_msat <= 0n) {
      throw new InvoiceError('InvalidParams', "amount_msat: should be positive msat or 'any'", { param: 'amount_msat' });
    }
    const now = nowSeconds(clock);
    const expirySeconds = p.expiry ?? BigInt(invoiceExpiry);
    // expires_at must stay an exact JSON number (and BOLT 11's `x` a safe integer).
    if (expirySeconds < 0n || expirySeconds > BigInt(Number.MAX_SAFE_INTEGER - now)) {
      throw new InvoiceError('InvalidParams', 'expiry: should be a number of seconds below 2^53 - now', {
        param: 'expiry',
      });
    }
    const fallbacks = parseFallbacks(p.fallbacks ?? [], network);
    if (p.preimage !== undefined && p.preimage.length !== 32) {
      throw new InvoiceError('InvalidParams', 'preimage: should be 64 hex digits', { param: 'preimage' });
    }
    return { deschashonly, now, expirySeconds, fallbacks };
  }

  async function checkCreateStored(p: CreateInvoiceParams, ext?: CreateExtension): Promise<void> {
    validateCreate(p);
    if (await ext?.before?.({ db: core.db })) return; // an idempotent repeat: answered, not created
    // A preimage the call does not give is drawn at random: only a given one (or hash) can be taken.
    const hash = ext?.payment_hash ?? (p.preimage !== undefined ? sha256(p.preimage) : undefined);
    if (hash !== undefined && (await store.hashExists(core.db, hash))) throw new InvoiceError('PreimageExists', 'preimage already used');
    if (await store.findByLabel(core.db, p.label)) throw new InvoiceError('LabelExists', `Duplicate label '${p.label}'`);
  }

  async function create(p: CreateInvoiceParams, ext?: CreateExtension): Promise<CreatedInvoice> {
    const { deschashonly, now, expirySeconds, fallbacks } = validateCreate(p);
    const cltv = p.cltv ?? cltvFinal;
    const preimage = p.preimage ?? random(32);
    const hints = deps.routeHints?.({ amount_msat: p.amount_msat, exposeprivatechannels: p.exposeprivatechannels });
    const draft: Bolt11Draft = {
      network,
      ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
      timestamp: now,
      preimage,
      ...(ext?.payment_hash ? { payment_hash: ext.payment_hash } : {}),
      description: p.description,
      deschashonly,
      expiry: Number(expirySeconds),
      cltv,
      fallbacks,
      ...(hints && { routes: hints.routes }),
    };
    // Signed before the write is queued, so transactions stay short.
    const built = deps.bolt11Builder
      ? await deps.bolt11Builder.build(draft)
      : buildBolt11(draft, nodeKeys.signEcdsa, codec);
    const warnings: Array<readonly [string, string]> = [];
    if (hints) warnings.push(...hints.warnings);
    else if (p.exposeprivatechannels !== undefined) warnings.push(['warning_exposeprivatechannels', EXPOSE_WARNING]);
    let repeat: CreateRepeat | undefined;
    const invoice = await queue.run(async (tx) => {
      // Not awaited without an extension: the insert is then the operation's first step (insertChecked).
      repeat = ext?.before ? await ext.before(tx) : undefined;
      if (repeat) return repeat.invoice;
      const inv = await insertChecked(
        tx,
        {
          label: p.label,
          kind: 'bolt11',
          invstring: built.invstring,
          payment_hash: built.payment_hash,
          payment_preimage: preimage,
          ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
          description: p.description,
          expires_at: now + Number(expirySeconds),
          created_at: now,
        },
        false,
      );
      if (p.webhook !== undefined) await setInvoiceWebhook(tx.db, inv.created_index, p.webhook); // src/events/
      return ext?.after ? ext.after(tx, inv, warnings) : inv;
      // With nothing to write but the invoice, the one insert is all of it (no savepoint needed).
    }, { atomic: ext === undefined && p.webhook === undefined });
    expiry.armIfSooner(invoice.expires_at);
    logger?.debug({ label: invoice.label, created_index: invoice.created_index }, 'invoice created');
    if (!repeat) return { invoice, payment_secret: built.payment_secret, warnings };
    // An idempotent repeat answers what the first call answered: the secret its invoice string carries
    // (not one derived from the preimage, which a hold invoice's settle replaces), and its warnings.
    const payment_secret = codec.decode(invoice.invstring).payment_secret ?? paymentSecretFromPreimage(invoice.payment_preimage);
    return { invoice, payment_secret, warnings: repeat.warnings ?? warnings };
  }

  async function storeInvoice(
    p: StoreInvoiceParams,
    within?: (tx: WriteTx, invoice: Invoice) => Promise<void>,
  ): Promise<Invoice> {
    const now = nowSeconds(clock);
    const invoice = await queue.run(async (tx) => {
      const inv = await insertChecked(
        tx,
        {
          label: p.label,
          kind: p.kind,
          invstring: p.invstring,
          payment_hash: sha256(p.preimage),
          payment_preimage: p.preimage,
          ...(p.amount_msat !== undefined ? { amount_msat: p.amount_msat } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
          expires_at: p.expires_at,
          ...(p.local_offer_id ? { local_offer_id: p.local_offer_id } : {}),
          ...(p.invreq_payer_note !== undefined ? { invreq_payer_note: p.invreq_payer_note } : {}),
          created_at: now,
        },
        true,
      );
      if (within) await within(tx, inv);
      return inv;
    }, { atomic: within === undefined });
    expiry.armIfSooner(invoice.expires_at);
    return invoice;
  }

  async function createFromInvstring(p: CreateFromInvstringParams): Promise<Invoice> {
    const decoded = checkCreateFromInvstring(p.invstring, p.preimage, network, codec);
    const invstring = resignBolt11(decoded, nodeKeys.signEcdsa, codec);
    const now = nowSeconds(clock);
    return storeInvoice({
      label: p.label,
      kind: 'bolt11',
      invstring,
      preimage: p.preimage,
      ...(decoded.amount_msat !== undefined ? { amount_msat: decoded.amount_msat } : {}),
      ...(decoded.description !== undefined ? { description: decoded.description } : {}),
      // As CLN: from now, not from the invoice's own timestamp (reference §12).
      expires_at: now + decoded.expiry,
    });
  }

  return { create, checkCreate: (p) => void validateCreate(p), checkCreateStored, createFromInvstring, storeInvoice };
}
