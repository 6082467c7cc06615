/**
 * Stage-2 (semantic) findings. A reader collects every problem of a structurally sound object, so the
 * strict parsers can throw the first one and `decode` can show them all as CLN's `warning_*` fields.
 */
import { Bolt12ParseError, type Bolt12ParseErrorKind } from './errors.js';

/** One semantic problem: its error kind and message, and the `decode` warning field that reports it. */
export interface Problem {
  readonly kind: Bolt12ParseErrorKind;
  /** Starts with the field name, e.g. "offer_amount: must be greater than zero". */
  readonly message: string;
  /** CLN's `decode` field name, e.g. "warning_missing_offer_description". */
  readonly warning: string;
}

/** Options shared by every reader: what "valid" means for this caller. */
export interface ReadOptions {
  /** Current Unix time in seconds; expiry is checked only when given. */
  readonly now?: bigint | number;
  /** The chain hash we accept (BOLT 12 byte order); chains are checked only when given. */
  readonly chain?: Uint8Array;
}

/** Throws the first problem, if any, as a Bolt12ParseError. */
export function throwFirst(problems: readonly Problem[]): void {
  const p = problems[0];
  if (p) throw new Bolt12ParseError(p.kind, p.message);
}
