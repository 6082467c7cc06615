/**
 * What all connections share (issue 18 items 1, 4, 14): the turns in which requests are started, and
 * the memory budgets across connections.
 *
 * Fairness: a connection with requests to start joins a round-robin queue; each turn of the event loop
 * starts at most `perConnection` requests of each connection in turn, and at most `perTurn` in all,
 * then yields to I/O. A client pipelining 50,000 requests therefore delays another client's request by
 * at most one slice of its own, never by its whole backlog.
 *
 * Budgets: the output not yet taken by clients (queued answers and socket buffers) and the request bytes
 * buffered by the framers are counted across connections. Over the output budget, a connection holding
 * more than `smallOutput` starts nothing, and no connection starts a listing (whose answer is counted
 * only once built; each connection runs one at a time, under its own `highWaterMark`, connection.ts); over the input budget, a connection whose framer holds more
 * than that is not read (its slow-request timer still runs, so it cannot hold the budget forever).
 */

/** What the scheduler needs from a connection. */
export interface Turn {
  /** Starts up to `max` requests; returns how many it started and whether more are ready. */
  startSome(max: number): { readonly started: number; readonly more: boolean };
  /** Called when the shared budgets free up: try again what they held back. */
  retry(): void;
}

export interface TurnLimits {
  readonly perTurn: number;
  readonly perConnection: number;
  readonly maxOutputBytes: number;
  /** What a connection may hold and still go on over a shared budget (small requests and answers). */
  readonly smallOutput: number;
  readonly maxBufferedRequestBytes: number;
}

export const DEFAULT_TURN_LIMITS: TurnLimits = {
  perTurn: 256,
  perConnection: 16,
  maxOutputBytes: 64 * 1024 * 1024,
  smallOutput: 64 * 1024,
  maxBufferedRequestBytes: 64 * 1024 * 1024,
};

export class Turns {
  /** Connections with requests to start, in round-robin order (a Set keeps insertion order). */
  private readonly ready = new Set<Turn>();
  private scheduled = false;
  /** Connections held back by a budget, told when it frees up. */
  private readonly held = new Set<Turn>();
  outputBytes = 0;
  bufferedBytes = 0;

  constructor(readonly limits: TurnLimits = DEFAULT_TURN_LIMITS) {}

  /** `conn` has requests to start: it gets a slice in the next turn. */
  add(conn: Turn): void {
    this.ready.add(conn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  remove(conn: Turn): void {
    this.ready.delete(conn);
    this.held.delete(conn);
  }

  /** True when a connection holding `ownOutput` unsent bytes may start another request. */
  outputAllows(ownOutput: number): boolean {
    return this.outputBytes < this.limits.maxOutputBytes || ownOutput < this.limits.smallOutput;
  }

  /** True while the output of all connections is under the shared cap (a listing may start). */
  outputUnderCap(): boolean {
    return this.outputBytes < this.limits.maxOutputBytes;
  }

  /** True when a connection whose framer holds `ownBuffered` bytes may read more. */
  inputAllows(ownBuffered: number): boolean {
    return this.bufferedBytes < this.limits.maxBufferedRequestBytes || ownBuffered < this.limits.smallOutput;
  }

  /** `conn` waits for a budget to free up. */
  hold(conn: Turn): void {
    this.held.add(conn);
  }

  /** Adjusts the output count; tells held connections once it falls below the budget. */
  addOutput(delta: number): void {
    this.outputBytes += delta;
    if (delta < 0) this.release();
  }

  /** Adjusts the buffered request bytes; tells held connections once below the budget. */
  addBuffered(delta: number): void {
    this.bufferedBytes += delta;
    if (delta < 0) this.release();
  }

  private release(): void {
    if (this.held.size === 0) return;
    if (this.bufferedBytes >= this.limits.maxBufferedRequestBytes || this.outputBytes >= this.limits.maxOutputBytes) return;
    const all = [...this.held];
    this.held.clear();
    for (const c of all) c.retry();
  }

  private readonly run = (): void => {
    this.scheduled = false;
    let budget = this.limits.perTurn;
    // One pass over the connections ready at the start of the turn, each getting one slice.
    const order = [...this.ready];
    for (const conn of order) {
      if (budget <= 0) break;
      this.ready.delete(conn);
      const { started, more } = conn.startSome(Math.min(this.limits.perConnection, budget));
      budget -= started;
      // Back at the end of the queue: the others go first next turn.
      if (more) this.ready.add(conn);
    }
    if (this.ready.size > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  };
}
