/**
 * `delinvoice`'s refusals (CLN's order, lightningd/invoice.c): the engine applies them inside its transaction,
 * and `check delinvoice` applies them to what it reads, so both answer alike.
 */
import { InvoiceError } from './errors.js';
import type { Invoice } from './invoice.js';

/**
 * Throws 905 "Unknown invoice", 906 "Invoice status is X not Y" (with both statuses) or, with `desconly`,
 * 908 "Invoice description already removed"; returns the invoice otherwise.
 */
export function checkDeletable(inv: Invoice | undefined, status: string, desconly: boolean): Invoice {
  if (!inv) throw new InvoiceError('InvoiceNotFound', 'Unknown invoice');
  if (inv.status !== status) {
    throw new InvoiceError('StatusUnexpected', `Invoice status is ${inv.status} not ${status}`, {
      current_status: inv.status,
      expected_status: status,
    });
  }
  if (desconly && inv.description === undefined) throw new InvoiceError('NoDescription', 'Invoice description already removed');
  return inv;
}
