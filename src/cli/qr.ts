/**
 * `-Q`/`--qr`: a QR code of the result's `bolt11` or `bolt12` string, for a wallet to scan off the
 * terminal. The encoder is the `qr` package (zero dependencies, from the author of the noble libraries
 * this project already uses); this module only picks the string and the output form.
 */
import encodeQR from 'qr';
import { member, stringValue, type JsonNode } from './json-tree.js';

/** The invoice or offer string of a result (`bolt11` first, as `invoice` returns only that one). */
export function scannableString(result: JsonNode): string | undefined {
  return stringValue(member(result, 'bolt11')) ?? stringValue(member(result, 'bolt12'));
}

/**
 * The QR code of `text` as terminal text. Upper case, which BOLT 11 and BOLT 12 readers accept, lets the
 * encoder use its alphanumeric mode: a smaller code than the lower-case form's byte mode. On a terminal,
 * ANSI colours draw dark modules on light whatever the terminal's own colours; elsewhere (a file, a
 * pipe), Unicode half blocks, two rows per line, light modules as blocks.
 */
export function qrText(text: string, terminal: boolean): string {
  return encodeQR(text.toUpperCase(), terminal ? 'term' : 'ascii', { ecc: 'low' });
}
