/**
 * `check command_to_check [params…]` (reference §1.7), CLN's check-only mode: binds another command's
 * parameters with the same binder (refused tokens echoed, as CLN does under `check`), then runs that
 * command's own checks as its declaration says (`CheckSpec` in command.ts), changing nothing, and reports
 * `{"command_to_check": NAME}`. The params after `command_to_check` (positional tail or the other named
 * members) are that command's.
 */
import { defineCommand, req, bindParams, badParamMessage, type BoundCall, type BindOptions, type Command } from '../command.js';
import type { JsonNode } from '../json-reader.js';
import { CODE, ParamError, RpcError, toRpcError } from '../errors.js';
import { string } from '../params.js';

const table = { command_to_check: req(string, 'The command whose parameters follow, positionally or by name.') };

/** What the binder hands to `run`: the target command and its bound call. */
interface CheckTarget {
  readonly command: Command;
  readonly call: BoundCall;
}
const TARGET = Symbol('check target');

function bindCheck(params: JsonNode, opts: BindOptions): BoundCall {
  let nameNode: JsonNode | undefined;
  let rest: JsonNode;
  if (params.kind === 'array') {
    nameNode = params.items[0];
    rest = { ...params, items: params.items.slice(1) };
  } else if (params.kind === 'object') {
    nameNode = params.members.find(([k]) => k === 'command_to_check')?.[1];
    rest = { ...params, members: params.members.filter(([k]) => k !== 'command_to_check') };
  } else {
    throw new RpcError(CODE.INVALID_PARAMS, 'Expected array or object for params');
  }
  // command_to_check itself goes through the ordinary binder (its messages and token echo).
  const nameParams = { ...params, kind: 'array', items: nameNode ? [nameNode] : [] } as JsonNode;
  const own = bindParams(table, nameParams, opts.log, true);
  const name = own.values['command_to_check'] as string;
  const command = opts.commands?.get(name);
  if (command === undefined) throw new RpcError(CODE.METHOD_NOT_FOUND, `Unknown command '${name}'`);
  const call = command.bind(rest, { ...opts, echo: true });
  const target: CheckTarget = { command, call };
  return { values: { ...own.values, [TARGET]: target }, raw: new Map([...own.raw, ...call.raw]) };
}

export const check = defineCommand({
  name: 'check',
  description: "Checks another command's parameters, and what it would check before changing anything, without running it.",
  result: 'command_to_check: the name, if the parameters bind; else the error that command would give.',
  params: table,
  bind: bindCheck,
  run: async (p, ctx) => {
    const { command, call } = (p as unknown as { [TARGET]: CheckTarget })[TARGET];
    try {
      await command.check(call.values, ctx);
    } catch (e) {
      const err = toRpcError(e);
      // A parameter refused by the command's own checks: reported as the binder reports it under `check`.
      if (err instanceof ParamError) throw new RpcError(CODE.INVALID_PARAMS, badParamMessage(err.param, err.reason, err.token ?? call.raw.get(err.param), true));
      throw e;
    }
    return { command_to_check: p.command_to_check };
  },
  // `check check …` checks the inner check.
  check: 'run',
});
