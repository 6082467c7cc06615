/**
 * The command table: every command the daemon serves, in `help` order. Other subsystems add their
 * commands here with a one-line change (e.g. htlc_accepted from the payments work).
 */
import type { Command } from '../command.js';
import { autocleanOnce, autocleanStatus } from './autoclean.js';
import { check } from './check.js';
import { createinvoice } from './createinvoice.js';
import { decode, decodepay } from './decode.js';
import { delinvoice } from './delinvoice.js';
import { getinfo } from './getinfo.js';
import { help } from './help.js';
import { htlcAccepted } from './htlc-accepted.js';
import { holdinvoice, holdinvoicecancel, holdinvoicelookup, holdinvoicesettle } from './holdinvoice.js';
import { setinvoicemetadata } from './setinvoicemetadata.js';
import { invoice } from './invoice.js';
import { disableinvoicerequest, invoicerequest, listinvoicerequests } from './invoicerequest.js';
import { listinvoices } from './listinvoices.js';
import { offer } from './offer.js';
import { listcurrencyrates, setcurrencyrate } from './currency.js';
import { onionMessageRecv } from './onion-message-recv.js';
import { listoutbox, outboxFailed, outboxSent } from './outbox.js';
import { sendinvoice } from './sendinvoice.js';
import { disableoffer, enableoffer, listoffers } from './offer-manage.js';
import { stop } from './stop.js';
import { setblockheight, setnodefacts } from './node-facts.js';
import { wait } from './wait.js';
import { listevents } from './events.js';
import { listwebhookdeliveries, webhookRedeliver } from './webhooks.js';
import { waitanyinvoice, waitinvoice } from './waitinvoice.js';

/** The invoice daemon's commands. */
export const INVOICE_COMMANDS: readonly Command[] = Object.freeze([
  getinfo,
  help,
  stop,
  check,
  invoice,
  createinvoice,
  listinvoices,
  delinvoice,
  waitinvoice,
  waitanyinvoice,
  wait,
  autocleanOnce,
  autocleanStatus,
  decode,
  decodepay,
  htlcAccepted,
  offer,
  listoffers,
  disableoffer,
  enableoffer,
  invoicerequest,
  listinvoicerequests,
  disableinvoicerequest,
  onionMessageRecv,
  sendinvoice,
  listoutbox,
  outboxSent,
  outboxFailed,
  setcurrencyrate,
  listcurrencyrates,
  setblockheight,
  setnodefacts,
  listevents,
  listwebhookdeliveries,
  webhookRedeliver,
  holdinvoice,
  holdinvoicesettle,
  holdinvoicecancel,
  holdinvoicelookup,
  setinvoicemetadata,
]);
