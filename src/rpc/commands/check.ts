/**
 * `check command_to_check [params…]` (reference §1.7): binds another command's parameters with the same
 * binder and reports `{"command_to_check": NAME}` without running it. The params after
 * `command_to_check` (positional tail or the other named members) are that command's.
 */
import { defineCommand, req, bindParams, type BoundCall, type BindOptions } from '../command.js';
import type { JsonNode } from '../json-reader.js';
import { CODE, RpcError } from '../errors.js';
import { string } from '../params.js';

const table = { command_to_check: req(string) };

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
  const own = bindParams(table, nameNode ? { ...params, kind: 'array', items: [nameNode] } as JsonNode : { ...params, kind: 'array', items: [] } as JsonNode, opts.log);
  const name = own.values['command_to_check'] as string;
  const target = opts.commands?.get(name);
  if (target === undefined) throw new RpcError(CODE.METHOD_NOT_FOUND, `Unknown command '${name}'`);
  target.bind(rest, opts);
  return own;
}

export const check = defineCommand({
  name: 'check',
  description: "Checks another command's parameters without running it.",
  params: table,
  bind: bindCheck,
  run: async (p) => ({ command_to_check: p.command_to_check }),
});
