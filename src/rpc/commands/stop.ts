/** `stop` (reference §4.17): answers, and once the answer is written the daemon shuts down. */
import { defineCommand } from '../command.js';

export const stop = defineCommand({
  name: 'stop',
  description: 'Shuts the daemon down, after answering.',
  result: '{"result": "Shutdown complete"}, sent before the daemon shuts down.',
  params: {},
  check: 'params',
  run: async (_p, ctx) => {
    // The response is written in the microtasks that follow; the stop starts on a later turn.
    setImmediate(() => ctx.requestStop());
    return { result: 'Shutdown complete' };
  },
});
