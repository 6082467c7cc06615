/**
 * The invoice engine's contract with the RPC layer. `src/invoice/engine.ts` implements it; handlers in
 * `src/rpc/commands/` bind and check parameter *types* (the binder's job), then call these methods, which
 * enforce every rule and throw `InvoiceError` (see errors.ts) on failure. Nothing here knows JSON-RPC.
 */
import type { Msat } from '../util/msat.js';
import type { CreateExtension } from './engine-hooks.js';
import type { Invoice, InvoiceIndexName, InvoiceStatus, InvoiceWaitResult } from './invoice.js';

/** `invoice` (reference §4.1), after type binding. */
export interface CreateInvoiceParams {
  /** undefined = "any". Already checked positive by the binder. */
  readonly amount_msat?: Msat;
  /** Decoded label; a JSON number label arrives as its decimal string. */
  readonly label: string;
  readonly description: string;
  /** Seconds; default from `--invoice-expiry` (3600). */
  readonly expiry?: bigint;
  /** On-chain addresses, in order; validated for the network by the engine. */
  readonly fallbacks?: readonly string[];
  readonly preimage?: Uint8Array;
  /**
   * Which private channels route hints may use (route-hints.ts); without node facts from the bridge it
   * is ignored and the result carries `warning_exposeprivatechannels`.
   */
  readonly exposeprivatechannels?: boolean | readonly string[];
  readonly cltv?: number;
  readonly deschashonly?: boolean;
  /** A URL that gets this invoice's events as webhooks (src/events/), besides the configured ones. */
  readonly webhook?: string;
}

/** `invoice`'s result (CLN's fields, plus the seed's `expiry_time`). */
export interface CreatedInvoice {
  readonly invoice: Invoice;
  /** BOLT 11 payment_secret derived from the preimage (reference §6.3). */
  readonly payment_secret: Uint8Array;
  /** `warning_*` fields, name → text, in CLN's order. */
  readonly warnings: ReadonlyArray<readonly [string, string]>;
}

/** `createinvoice` (reference §4.9). */
export interface CreateFromInvstringParams {
  readonly invstring: string;
  readonly label: string;
  readonly preimage: Uint8Array;
}

/** `listinvoices` (reference §4.2, plus `status` and `reverse`). Selector exclusivity is the engine's check. */
export interface ListInvoicesParams {
  readonly label?: string;
  readonly invstring?: string;
  readonly payment_hash?: Uint8Array;
  readonly offer_id?: Uint8Array;
  readonly index?: 'created' | 'updated';
  readonly start?: bigint;
  readonly limit?: number;
  readonly status?: InvoiceStatus;
  readonly reverse?: boolean;
  /** Invoices whose metadata has this top-level key (src/invoice/metadata.ts)… */
  readonly metadata_key?: string;
  /** …with this value (a string as itself, anything else as its JSON text). */
  readonly metadata_value?: string;
}

/** Autoclean subsystems named by CLN; the invoice daemon cleans only the two invoice ones. */
export const AUTOCLEAN_SUBSYSTEMS = [
  'succeededforwards',
  'failedforwards',
  'succeededpays',
  'failedpays',
  'paidinvoices',
  'expiredinvoices',
  'networkevents',
] as const;
export type AutocleanSubsystem = (typeof AUTOCLEAN_SUBSYSTEMS)[number];

export interface AutocleanOnceResult {
  readonly subsystem: AutocleanSubsystem;
  readonly cleaned: number;
  readonly uncleaned: number;
}

export interface AutocleanStatusEntry {
  readonly subsystem: AutocleanSubsystem;
  readonly enabled: boolean;
  /** Present when enabled. */
  readonly age?: number;
  readonly cleaned: number;
}

/** Counts for `getinfo.invoices`. */
export interface InvoiceCounts {
  readonly unpaid: number;
  readonly paid: number;
  readonly expired: number;
  readonly created_index: number;
  readonly updated_index: number;
  readonly deleted_index: number;
}

export interface InvoiceEngine {
  /** `ext`: extra steps in the creating transaction (hold invoices, metadata, idempotency keys). */
  create(p: CreateInvoiceParams, ext?: CreateExtension): Promise<CreatedInvoice>;
  /** Every check `create` makes of its inputs before signing (`check invoice`); throws its errors, writes nothing. */
  checkCreate(p: CreateInvoiceParams): void;
  createFromInvstring(p: CreateFromInvstringParams): Promise<Invoice>;
  list(p: ListInvoicesParams): Promise<Invoice[]>;
  /**
   * A large `listinvoices` (every invoice by created index), as pages read one by one as they are asked
   * for (list-pages.ts); undefined for the listings `list` answers at once. Throws like `list` for refused
   * parameters.
   */
  listPages?(p: ListInvoicesParams): AsyncIterator<readonly Invoice[], void> | undefined;
  /** `delinvoice`: returns the invoice as it was (desconly: without description, stale updated_index as CLN). */
  delete(label: string, status: string, desconly: boolean): Promise<Invoice>;
  /** `waitinvoice`; the signal aborts the wait when the client goes away. */
  waitInvoice(label: string, signal?: AbortSignal): Promise<Invoice>;
  /** `waitanyinvoice`; timeout in seconds (0 = only what is already paid). */
  waitAnyInvoice(lastpay_index: bigint, timeout: bigint | undefined, signal?: AbortSignal): Promise<Invoice>;
  /** `wait invoices <index> <nextvalue>`. */
  wait(index: InvoiceIndexName, nextvalue: bigint, signal?: AbortSignal): Promise<InvoiceWaitResult>;
  autocleanOnce(subsystem: AutocleanSubsystem, age: bigint): Promise<AutocleanOnceResult>;
  autocleanStatus(subsystem?: AutocleanSubsystem): Promise<AutocleanStatusEntry[]>;
  /** The counts as the database has them now (a read; tests and tools). */
  counts(): Promise<InvoiceCounts>;
  /**
   * The same counts from memory, never touching the database (`getinfo`): loaded by `start()`, moved by
   * every committed change of this daemon and, on PostgreSQL, of the other daemons as their
   * notifications arrive (src/invoice/engine/live-counts.ts).
   */
  liveCounts(): InvoiceCounts;
  /** Rejects pending waits with ShuttingDown, stops timers, finishes in-flight writes. Does not close the database. */
  close(): Promise<void>;
}
