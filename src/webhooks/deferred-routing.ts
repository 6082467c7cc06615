/**
 * SQLite: webhook deliveries routed after the events' commit, many events at a time, instead of a delivery
 * row in every event's own transaction (where, at one client, each invoice's COMMIT wrote two more pages).
 *
 * The events themselves are in the database with the change (the feed), and the counter
 * `webhook_routed_seq` says up to which seq they have been routed: committed local events are gathered for
 * up to WINDOW_MS, then routed in seq order by one operation that rides in the next write transaction
 * (WriteQueue `rideForMs`) and moves the counter in the same transaction. After a crash, `start` routes the
 * events after the counter from their rows, so no event is left without its deliveries. Reads that must see
 * every delivery (listing, redelivery) `flush` first. PostgreSQL, where several daemons append, routes in
 * the events' own transaction as before (router.ts).
 */
import type { Logger } from 'pino';
import { fromRow, type FeedEvent, type FeedRouter } from '../events/feed.js';
import * as feedStore from '../events/feed-store.js';
import type { InvoiceDatabase } from '../invoice/store/db.js';
import { WriteQueue } from '../invoice/store/write-queue.js';
import * as counters from './delivery-store.js';

/** How long committed events wait for others to be routed with them (real time). */
const WINDOW_MS = 10;
/** How long the routing waits for another write transaction to carry it (real time). */
const RIDE_MS = 2;
/** The wait before routing again after a failed routing transaction (real time). */
const RETRY_MS = 1000;
/** Events read back per routing operation at startup. */
const CATCH_UP = 500;

export interface DeferredRouting {
  /** The feed's listener for committed events (local ones are routed; others' are not ours). */
  onEvents(events: readonly FeedEvent[], local: boolean): void;
  /** Routes what is waiting now; resolves once it has committed. */
  flush(): Promise<void>;
  /** Creates the counter if missing, then routes the events after it (a crash's leftovers). */
  start(): Promise<void>;
  close(): Promise<void>;
}

export function createDeferredRouting(deps: {
  readonly db: InvoiceDatabase;
  readonly route: FeedRouter;
  /** After each routing commit (to wake the URLs it routed to). */
  readonly afterCommit?: () => void;
  readonly logger?: Logger;
}): DeferredRouting {
  const queue = WriteQueue.shared(deps.db);
  let waiting: FeedEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let routing: Promise<void> = Promise.resolve();
  let closed = false;

  /** One operation: the events' deliveries and the counter past the last of them. */
  const routeAll = async (events: readonly FeedEvent[], ride: boolean): Promise<void> => {
    await queue.run(
      async (tx) => {
        await deps.route(tx.db, events);
        await counters.setRouted(tx.db, events[events.length - 1]!.seq);
      },
      ride ? { rideForMs: RIDE_MS } : {},
    );
    deps.afterCommit?.();
  };

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const events = waiting;
    waiting = [];
    if (events.length > 0) {
      routing = routing
        .then(() => routeAll(events, true))
        .catch((err: unknown) => {
          // Not lost: the counter did not move. Tried again first thing (later events wait behind them, so
          // the counter never passes them), and at the next start if the daemon stops meanwhile.
          deps.logger?.error({ err: (err as Error).message }, 'routing webhook deliveries failed; trying again');
          waiting = [...events, ...waiting];
          if (!closed) timer ??= setTimeout(() => void flush(), RETRY_MS);
        });
    }
    return routing;
  }

  return {
    onEvents(events, local) {
      if (!local || closed || events.length === 0) return;
      waiting.push(...events);
      timer ??= setTimeout(() => void flush(), WINDOW_MS);
    },
    flush,
    async start() {
      const last = await feedStore.lastSeq(deps.db.db);
      // A write only the first time: later starts read the counter.
      let routed = (await counters.readRouted(deps.db.db)) ?? (await queue.run((tx) => counters.ensureRouted(tx.db, last)));
      while (routed < last) {
        const rows = await feedStore.listEvents(deps.db.db, { start: routed + 1, limit: CATCH_UP });
        if (rows.length === 0) {
          // Cleaned or never kept: nothing to route below `last`.
          await queue.run((tx) => counters.setRouted(tx.db, last));
          break;
        }
        await routeAll(rows.map(fromRow), false);
        routed = rows[rows.length - 1]!.seq;
      }
    },
    async close() {
      closed = true;
      await flush();
    },
  };
}
