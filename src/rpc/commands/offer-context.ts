/** The offer commands' access to the offer engine through the RPC context. */
import type { OfferEngine } from '../../offers/offer-engine.js';
import type { CommandContext } from '../command.js';
import { hasOfferEngine } from '../context.js';
import { CODE, RpcError } from '../errors.js';

/** The offer engine, or -1 when this server was built without one (as CLN without offers enabled). */
export function requireOffers(ctx: CommandContext): OfferEngine {
  if (!hasOfferEngine(ctx.offers)) throw new RpcError(CODE.LIGHTNINGD, 'offers are not enabled in this daemon');
  return ctx.offers;
}
