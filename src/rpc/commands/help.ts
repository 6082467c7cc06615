/**
 * `help [command]` (reference §4.17): the usage lines come from the same table that binds params, so they
 * cannot drift: `invoice amount_msat label description [expiry] …`.
 */
import { defineCommand, opt } from '../command.js';
import { CODE, RpcError } from '../errors.js';
import { string } from '../params.js';
import { verboseHelp } from '../command-help.js';

export const help = defineCommand({
  name: 'help',
  description: 'Usage of one command, or of all of them.',
  result: 'help: one entry per command with its usage line; for one command, verbose adds its parameters and result.',
  params: { command: opt(string, 'Only this command, described in full.') },
  check: 'run',
  run: async (p, ctx) => {
    // Sorted by name, byte-wise, as CLN's command map (a critbit tree) iterates.
    let list = [...ctx.commands.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (p.command !== undefined) {
      const c = ctx.commands.get(p.command);
      if (c === undefined) throw new RpcError(CODE.METHOD_NOT_FOUND, `Unknown command ${p.command}`);
      // One command: also its parameters and result, from its declaration (as `lightning-cli help CMD`).
      return { help: [{ command: c.usage, verbose: verboseHelp(c) }], 'format-hint': 'simple' };
    }
    return { help: list.map((c) => ({ command: c.usage })), 'format-hint': 'simple' };
  },
});
