/**
 * `help [command]` (reference §4.17): the usage lines come from the same table that binds params, so they
 * cannot drift: `invoice amount_msat label description [expiry] …`.
 */
import { defineCommand, opt } from '../command.js';
import { CODE, RpcError } from '../errors.js';
import { string } from '../params.js';

export const help = defineCommand({
  name: 'help',
  description: 'Usage of one command, or of all of them.',
  params: { command: opt(string) },
  run: async (p, ctx) => {
    let list = [...ctx.commands.values()];
    if (p.command !== undefined) {
      const c = ctx.commands.get(p.command);
      if (c === undefined) throw new RpcError(CODE.METHOD_NOT_FOUND, `Unknown command ${p.command}`);
      list = [c];
    }
    return { help: list.map((c) => ({ command: c.usage })), 'format-hint': 'simple' };
  },
});
