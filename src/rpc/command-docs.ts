/**
 * What `help COMMAND` says beyond the usage line: what each parameter means and what the command returns.
 * Names, order, types, required flags and defaults come from each command's declaration (command.ts);
 * this table adds only the words, as CLN's hand-written schemas do, and test/rpc/command-docs.test.ts
 * checks that every declared command and parameter has them and nothing else is described.
 */

/** Meanings of parameters that mean the same in every command that takes them. */
const SHARED_PARAMS: Readonly<Record<string, string>> = {
  label: 'Unique name of the invoice in this database (a number is stored as its decimal string).',
  invstring: 'A BOLT11 invoice, or a BOLT12 invoice (lni), as a string.',
  payment_hash: 'SHA256 of the preimage, as hex.',
  preimage: 'The 32-byte secret whose hash is the payment_hash, as hex; never echoed in errors or logs.',
  offer_id: 'The offer id, as hex.',
  invreq_id: 'The invoice_request id, as hex.',
  active_only: 'Only the ones still active.',
  start: 'First index of the page.',
  limit: 'Largest number of entries returned.',
  created_index: 'The created_index of the entry.',
  subsystem: 'Which kind of object the indexes are of.',
  currency: 'An ISO 4217 code, such as USD.',
  idempotency_key: 'A key (at most 128 bytes): the same key with the same parameters answers with the first result; with others, an error naming the first label.',
  metadata: 'A JSON object (at most 4 KiB) kept with it and never sent to payers.',
  webhook: 'An http(s) URL that also receives this invoice\'s events as signed webhooks.',
  metadata_key: 'Only invoices whose metadata has this key.',
  metadata_value: 'With metadata_key: only those where it has this value.',
};

interface CommandDocs {
  /** The result, in words. */
  readonly result: string;
  /** Meanings of this command's parameters that are not in SHARED_PARAMS, or differ from them. */
  readonly params?: Readonly<Record<string, string>>;
}

/** Per command: its result, and its own parameters' meanings. */
export const COMMAND_DOCS: Readonly<Record<string, CommandDocs>> = {
  getinfo: { result: "Every field of CLN's getinfo (id, alias, color, peer and channel counts, address, binding, version, blockheight, network, fees_collected_msat, lightning-dir, our_features), the node's values once the bridge reported them, then invoices: counts by status and the current created, updated and deleted indexes." },
  help: {
    result: 'help: one entry per command with its usage line; for one command, verbose adds its parameters and result.',
    params: { command: 'Only this command, described in full.' },
  },
  stop: { result: '{"result": "Shutdown complete"}, sent before the daemon shuts down.' },
  check: {
    result: 'command_to_check: the name, if the parameters bind; else the error that command would give.',
    params: { command_to_check: 'The command whose parameters follow, positionally or by name.' },
  },
  invoice: {
    result: 'payment_hash, expires_at, bolt11, payment_secret, created_index and expiry_time (= expires_at) of the new unpaid invoice, then any warning_* fields.',
    params: {
      amount_msat: 'Amount to be paid, in millisatoshi, or "any" to let the payer choose.',
      description: 'Text shown to the payer (committed to by hash only with deschashonly).',
      expiry: 'Seconds until the invoice expires (default --invoice-expiry).',
      fallbacks: 'On-chain addresses the payer may use instead.',
      preimage: 'Use this preimage instead of a random one.',
      exposeprivatechannels: 'Which private channels may appear as route hints: true, false, or short channel ids (needs the node\'s channels from the bridge; without them the result carries warning_exposeprivatechannels).',
      cltv: 'min_final_cltv_expiry of the invoice, in blocks (default --cltv-final).',
      deschashonly: 'Put only the SHA256 of the description in the invoice.',
      'dev-routes': 'Refused: CLN\'s developer-only route hints ("dev-routes requires --developer").',
    },
  },
  createinvoice: {
    result: 'The stored invoice object (label, bolt11 or bolt12, payment_hash, status, created_index, …), signed by this node.',
    params: { preimage: 'The preimage whose hash is the invoice\'s payment_hash.' },
  },
  listinvoices: {
    result: 'invoices: invoice objects, in created_index order (newest first with reverse), paid fields only when paid.',
    params: {
      label: 'Only the invoice with this label.',
      invstring: 'Only the invoice with this invoice string.',
      payment_hash: 'Only the invoice with this payment_hash.',
      offer_id: 'Only the invoices of this offer.',
      index: 'Page by "created" or "updated" index (with start and limit).',
      status: 'Only unpaid, paid or expired ones.',
      reverse: 'Newest first.',
    },
  },
  delinvoice: {
    result: 'The invoice as it was before deletion (or with its description removed, with desconly).',
    params: {
      status: 'The status the invoice must be in: unpaid, paid or expired (905 otherwise, with the current one).',
      desconly: 'Remove only the description, keep the invoice.',
    },
  },
  waitinvoice: { result: 'The invoice object once paid; error 903 if it expires, -1 if it is deleted.' },
  waitanyinvoice: {
    result: 'The first invoice paid with a pay_index above lastpay_index; error 904 on timeout.',
    params: {
      lastpay_index: 'The pay_index seen last (0 for the first paid invoice).',
      timeout: 'Seconds to wait at most (default: no limit).',
    },
  },
  wait: {
    result: 'subsystem, the index name and its value once it reached nextvalue, with the details of the change when known.',
    params: {
      indexname: 'created, updated or deleted.',
      nextvalue: 'The value to wait for.',
    },
  },
  'autoclean-once': {
    result: 'autoclean: for the subsystem, how many were cleaned and how many were left (uncleaned).',
    params: { age: 'Delete those paid or expired at least this many seconds ago.' },
  },
  'autoclean-status': {
    result: 'autoclean: per subsystem, whether it is enabled, its age, and how many it cleaned so far.',
    params: { subsystem: 'Only this subsystem.' },
  },
  decode: {
    result: 'type, valid, and the decoded fields of the string (CLN\'s decode output); warnings for what makes it invalid.',
    params: { string: 'A BOLT11 invoice, or a BOLT12 offer (lno), invoice_request (lnr) or invoice (lni).' },
  },
  decodepay: {
    result: 'The decoded BOLT11 fields, as decode gives them for an invoice.',
    params: {
      bolt11: 'The BOLT11 invoice.',
      description: 'The description, to check an invoice that carries only its hash.',
    },
  },
  htlc_accepted: {
    result: '{"result":"continue"}, {"result":"fail", failure_message} or {"result":"resolve", payment_key}.',
    params: {
      onion: 'The hook payload\'s onion object.',
      htlc: 'The hook payload\'s htlc object.',
      peer_id: 'The peer the HTLC came from.',
      forward_to: 'Where the node would forward it (ignored).',
    },
  },
  offer: {
    result: 'offer_id, active, single_use, bolt12, used, created (false when an identical active offer was returned) and label if any.',
    params: {
      amount: 'msat amount, "any", or an amount in a currency such as 5.00USD.',
      description: 'Text shown to the payer.',
      issuer: 'Who is being paid, shown to the payer.',
      label: 'A name for the offer, kept locally.',
      quantity_max: 'Largest quantity the payer may ask for (0: any).',
      absolute_expiry: 'Unix time after which the offer is no longer paid.',
      recurrence: 'Refused: recurrence is not in the merged BOLT12 specification.',
      recurrence_base: 'Refused (recurrence).',
      recurrence_paywindow: 'Refused (recurrence).',
      recurrence_limit: 'Refused (recurrence).',
      single_use: 'The offer can be paid once.',
      proportional_amount: 'Refused (recurrence).',
      optional_recurrence: 'Refused (recurrence).',
      fronting_nodes: 'Refused: the daemon builds no blinded paths through other nodes.',
    },
  },
  listoffers: { result: 'offers: offer_id, active, single_use, bolt12, used and label of each offer.' },
  disableoffer: { result: 'The offer, now inactive.' },
  enableoffer: { result: 'The offer, active again.' },
  invoicerequest: {
    result: 'invreq_id, active, single_use, bolt12 (lnr), used and label if any.',
    params: {
      amount: 'The amount we offer to pay, in millisatoshi.',
      description: 'What the payment is for.',
      issuer: 'Who is paying, shown to the recipient.',
      label: 'A name for it, kept locally.',
      absolute_expiry: 'Unix time after which invoices for it are refused.',
      single_use: 'Only one invoice is paid.',
    },
  },
  listinvoicerequests: { result: 'invoicerequests: invreq_id, active, single_use, bolt12, used and label of each.' },
  disableinvoicerequest: { result: 'The invoice_request, now inactive.' },
  onion_message_recv: {
    result: '{"result":"continue"}, or a reply onion message for the bridge to send.',
    params: { onion_message: 'The hook payload\'s onion_message object.' },
  },
  sendinvoice: {
    result: 'The invoice object once paid; an error if it expires or the payer answers with an invoice_error.',
    params: {
      invreq: 'The invoice_request (lnr) to answer.',
      label: 'Label of the invoice created for it.',
      amount_msat: 'The amount, when the invoice_request names none.',
      timeout: 'Seconds to wait for the payment.',
      quantity: 'The quantity, when the offer allows several.',
    },
  },
  listoutbox: {
    result: 'outbox: created_index, status, kind, label, payment_hash, destination, the message, reply_path and times, of each.',
    params: { status: 'Only pending, sent or failed ones.' },
  },
  'outbox-sent': { result: 'The outbox message, now sent.' },
  'outbox-failed': {
    result: 'The outbox message, now failed.',
    params: { error: 'Why it could not be delivered.' },
  },
  setcurrencyrate: {
    result: 'currency, msat_per_unit, set_at and fresh.',
    params: { msat_per_unit: 'What one whole unit of the currency is worth, in millisatoshi.' },
  },
  listcurrencyrates: { result: 'currencyrates: currency, msat_per_unit, set_at and whether it is still fresh, of each.' },
  holdinvoice: {
    result: 'As invoice: payment_hash, expires_at, bolt11, payment_secret, created_index, expiry_time; its HTLCs are held until settled or cancelled.',
    params: {
      amount_msat: 'Amount to be paid, in millisatoshi, or "any".',
      description: 'Text shown to the payer.',
      expiry: 'Seconds until the invoice expires (default --invoice-expiry).',
      fallbacks: 'On-chain addresses the payer may use instead.',
      preimage: 'Use this preimage instead of a random one.',
      cltv: 'min_final_cltv_expiry of the invoice, in blocks (required, as the holdinvoice plugin requires it).',
      deschashonly: 'Put only the SHA256 of the description in the invoice.',
      exposeprivatechannels: 'Which private channels may appear as route hints, as for invoice.',
      payment_hash: 'Make the invoice for this hash; the daemon learns the preimage only at holdinvoicesettle.',
    },
  },
  holdinvoicesettle: {
    result: 'state: SETTLED once the held HTLCs are being fulfilled.',
    params: { payment_preimage: 'The preimage, when the invoice was made from its payment_hash alone.' },
  },
  holdinvoicecancel: { result: 'state: CANCELED once the held HTLCs are being failed.' },
  holdinvoicelookup: { result: 'state (OPEN, ACCEPTED, SETTLED, CANCELED) and, when ACCEPTED, htlc_expiry; waits for settlement or return of the HTLCs.' },
  setinvoicemetadata: {
    result: 'The invoice with its new metadata (an updated index bump).',
    params: { metadata: 'The new metadata object; absent removes it.' },
  },
  setblockheight: {
    result: 'blockheight: the height now known.',
    params: {
      blockheight: "The node's current block height (below 500,000,000).",
      force: 'Also take a height lower than the known one (an operator undoing a wrong height).',
    },
  },
  setnodefacts: {
    result: 'channels: how many channels the daemon now knows of.',
    params: {
      getinfo: "lightningd's getinfo result, as it is.",
      channels: "lightningd's listpeerchannels channels array, as it is.",
      incoming: "lightningd's listincoming incoming array, as it is.",
    },
  },
  listevents: {
    result: 'events: seq, type, created_at and the object as listinvoices or listoffers shows it after the change, of each.',
    params: { start: 'First seq of the page (inclusive).', types: 'Only events of these types.' },
  },
  listwebhookdeliveries: {
    result: 'deliveries: url, seq, status, attempts, next attempt and last error, of each.',
    params: { url: 'Only deliveries to this URL.', status: 'Only pending, delivered or failed ones.' },
  },
  'webhook-redeliver': {
    result: 'The deliveries queued again.',
    params: { seq: 'The event to deliver again.', url: 'Only to this URL (default: every URL that had it).' },
  },
};

/** The meaning of `param` in `command`, if documented. */
export function paramMeaning(command: string, param: string): string | undefined {
  return COMMAND_DOCS[command]?.params?.[param] ?? SHARED_PARAMS[param];
}

/** Parameter names described for `command` beyond the shared ones (for the drift test). */
export function describedParams(command: string): readonly string[] {
  return Object.keys(COMMAND_DOCS[command]?.params ?? {});
}
