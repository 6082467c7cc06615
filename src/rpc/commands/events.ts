/**
 * The event feed (docs/events.md): `listevents [start] [limit] [types]` pages the feed by `seq` with CLN's
 * conventions (start inclusive, limit after filtering); `wait events created N` is in wait.ts.
 */
import { EVENT_TYPE_NAMES, isEventType, type EventType } from '../../events/event-types.js';
import type { EventFeed } from '../../events/feed.js';
import { parseJson, toPlain } from '../json-reader.js';
import { defineCommand, opt } from '../command.js';
import type { CommandContext } from '../command.js';
import { MEANING } from '../param-meanings.js';
import { CODE, RpcError } from '../errors.js';
import { fail, u32, u64, type Parser } from '../params.js';

/** The feed, or -1 when this server was built without it. */
export function requireEvents(ctx: CommandContext): EventFeed {
  if (!ctx.events) throw new RpcError(CODE.LIGHTNINGD, 'the event feed is not enabled in this daemon');
  return ctx.events;
}

/** An array of event type names (docs/events.md lists them). */
export const eventTypes: Parser<EventType[]> = Object.defineProperty(
  (node: Parameters<Parser<EventType[]>>[0]) => {
    const reason = `should be an array of event types (${EVENT_TYPE_NAMES.join(', ')})`;
    if (node.kind !== 'array') return fail(reason);
    const out: EventType[] = [];
    for (const item of node.items) {
      if (item.kind !== 'string' || !isEventType(item.value)) return fail(reason);
      out.push(item.value);
    }
    return out;
  },
  'name',
  { value: 'array of event types' },
);

/** A stored event's JSON text as a plain value (integers above 2^53 stay exact). */
export const eventJson = (body: string): unknown => toPlain(parseJson(body));

export const listevents = defineCommand({
  name: 'listevents',
  bulky: true,
  check: 'run',
  description: 'Lists the event feed by seq: from start (inclusive), at most limit, optionally only some types.',
  result: 'events: seq, type, created_at and the object as listinvoices or listoffers shows it after the change, of each.',
  params: {
    start: opt(u64, 'First seq of the page (inclusive).'),
    limit: opt(u32, MEANING.limit),
    types: opt(eventTypes, 'Only events of these types.'),
  },
  run: async (p, ctx) => ({
    events: (
      await requireEvents(ctx).list({
        ...(p.start !== undefined ? { start: Number(p.start) } : {}),
        ...(p.limit !== undefined ? { limit: p.limit } : {}),
        ...(p.types !== undefined ? { types: p.types } : {}),
      })
    ).map((e) => eventJson(e.body)),
  }),
});
