/**
 * The words for parameters that mean the same in every command that takes them, so that a declaration
 * (`req(label, MEANING.label)`) does not repeat a sentence other commands use too. A parameter that means
 * something else in its command is declared with its own words instead.
 */
export const MEANING = Object.freeze({
  label: 'Unique name of the invoice in this database (a number is stored as its decimal string).',
  invstring: 'A BOLT11 invoice, or a BOLT12 invoice (lni), as a string.',
  payment_hash: 'SHA256 of the preimage, as hex.',
  offer_id: 'The offer id, as hex.',
  invreq_id: 'The invoice_request id, as hex.',
  active_only: 'Only the ones still active.',
  start: 'First index of the page.',
  limit: 'Largest number of entries returned.',
  created_index: 'The created_index of the entry.',
  subsystem: 'Which kind of object the indexes are of.',
  currency: 'An ISO 4217 code, such as USD.',
  idempotency_key:
    'A key (at most 128 bytes): the same key with the same parameters answers with the first result; with others, an error naming the first label.',
  metadata: 'A JSON object (at most 4 KiB) kept with it and never sent to payers.',
  webhook: "An http(s) URL that also receives this invoice's events as signed webhooks.",
  metadata_key: 'Only invoices whose metadata has this key.',
  metadata_value: 'With metadata_key: only those where it has this value.',
});
