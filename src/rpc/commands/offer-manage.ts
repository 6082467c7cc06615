/**
 * `listoffers [offer_id] [active_only]`, `disableoffer offer_id`, `enableoffer offer_id` (reference
 * §4.13). Disabling also expires the offer's unpaid invoices, each with an `updated` bump and a waiter
 * wake-up (unlike CLN); enabling does not bring them back.
 */
import { defineCommand, opt, req } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { bool, sha256 } from '../params.js';
import { requireOffers } from './offer-context.js';
import { formatOffer } from './offer-format.js';
import { checkCanDisable, checkCanEnable } from '../../offers/offer-status-rules.js';

export const listoffers = defineCommand({
  name: 'listoffers',
  bulky: true,
  description: 'Lists our offers (one by offer_id), optionally only the active ones.',
  result: 'offers: offer_id, active, single_use, bolt12, used and label of each offer.',
  params: { offer_id: opt(sha256, MEANING.offer_id), active_only: opt(bool, MEANING.active_only, false) },
  check: 'run',
  run: async (p, ctx) => ({ offers: (await requireOffers(ctx).listOffers(p.offer_id, p.active_only)).map(formatOffer) }),
});

export const disableoffer = defineCommand({
  name: 'disableoffer',
  description: 'Disables an active offer and expires its unpaid invoices.',
  result: 'The offer, now inactive.',
  params: { offer_id: req(sha256, MEANING.offer_id) },
  run: async (p, ctx) => formatOffer(await requireOffers(ctx).disableOffer(p.offer_id)),
  check: async (p, ctx) => checkCanDisable((await requireOffers(ctx).listOffers(p.offer_id, false))[0], 'offer'),
});

export const enableoffer = defineCommand({
  name: 'enableoffer',
  description: 'Enables a disabled offer again (not a used single-use one).',
  result: 'The offer, active again.',
  params: { offer_id: req(sha256, MEANING.offer_id) },
  run: async (p, ctx) => formatOffer(await requireOffers(ctx).enableOffer(p.offer_id)),
  check: async (p, ctx) => checkCanEnable((await requireOffers(ctx).listOffers(p.offer_id, false))[0]),
});
