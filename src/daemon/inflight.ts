/**
 * Counts requests whose handler is still running, so shutdown can let them finish (a wait that the
 * engine has just failed with "shutting down" may still be finishing a query) before connections are
 * ended. Commands are wrapped, not changed.
 */
import type { Command, CommandContext } from '../rpc/index.js';

export interface InflightTracker {
  /** The same commands, counted. */
  readonly commands: readonly Command[];
  /** Number of handlers running now. */
  readonly count: number;
  /** Resolves once no handler runs (or after `timeoutMs`), then one more turn so their answers are written. */
  drained(timeoutMs: number): Promise<void>;
}

export function trackInflight(commands: readonly Command[]): InflightTracker {
  let count = 0;
  let idle: Array<() => void> = [];
  const release = (): void => {
    if (--count === 0) for (const f of idle.splice(0)) f();
  };
  const settled = (v: unknown): unknown => {
    release();
    return v;
  };
  const failed = (e: unknown): never => {
    release();
    throw e;
  };
  const wrapped = commands.map(
    (c): Command =>
      Object.freeze({
        ...c,
        bind: c.bind.bind(c),
        // Not async: a pending wait holds one promise reaction here, not a suspended frame (thousands may
        // pend at once: docs/performance.md).
        run: (values: Record<string, unknown>, ctx: CommandContext): Promise<unknown> => {
          count++;
          let p: Promise<unknown>;
          try {
            p = Promise.resolve(c.run(values, ctx));
          } catch (e) {
            release();
            return Promise.reject(e);
          }
          return p.then(settled, failed);
        },
      }),
  );
  return {
    commands: wrapped,
    get count() {
      return count;
    },
    async drained(timeoutMs) {
      if (count > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, timeoutMs);
          t.unref();
          idle.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      // The dispatcher writes the answer a few microtasks after the handler settles.
      await new Promise((r) => setImmediate(r));
    },
  };
}
