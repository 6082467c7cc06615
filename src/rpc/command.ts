/**
 * One declaration per command (STYLE 2, after CLN's `struct json_command` + `param()`): `defineCommand`
 * takes the name, the parameters in positional order (each with what it means), what the result is, and
 * the handler. Binding of array and object params, the `help` usage line and `help COMMAND`'s text,
 * `check`, the rejection of unknown names and docs/rpc.md all derive from that one object. A parameter's
 * meaning is an argument of `req`/`opt`, and `result` a field of the spec: both are required, so a
 * command cannot leave one undescribed, nor describe a parameter it does not declare.
 *
 * The binder follows common/json_param.c (reference §1.4): positional `null` = not supplied; too many
 * positions; unknown and duplicate names; each supplied parameter parsed in declaration order; then the
 * first missing required parameter. A refused token is reported as CLN's `command_fail_badparam` does:
 * `NAME: REASON: invalid token (see logs for details)`, the token logged at info level (`Invalid parameter
 * NAME (REASON): token 'TOKEN'`, never a secret parameter's); with `--developer` or under `check`, `NAME: REASON: invalid token 'TOKEN'` (the raw JSON
 * text, strings with quotes) and nothing logged.
 *
 * `check` (CLN's check-only mode) runs the command's own checks up to the point of changing anything: each
 * declaration says how (`check` below), so no command is forgotten.
 */
import type { JsonNode } from './json-reader.js';
import { rawText } from './json-reader.js';
import { isFail, type Parser } from './params.js';
import { RpcError, CODE } from './errors.js';
import type { RpcContext } from './context.js';

/** Per request: the shared context plus what belongs to this call. */
export interface CommandContext extends RpcContext {
  /** Aborted when the client's connection closes (waits stop waiting). */
  readonly signal: AbortSignal;
  /** The command table (for `help` and `check`). */
  readonly commands: ReadonlyMap<string, Command>;
  /** The request's JSON id text, for logs. */
  readonly requestId: string;
}

/** One parameter of a command. */
export interface ParamSpec<T> {
  readonly parse: Parser<unknown>;
  readonly required: boolean;
  readonly default: T | undefined;
  /** Never logged (preimages). */
  readonly secret: boolean;
  /** What the parameter means, for `help COMMAND` (one or two sentences). */
  readonly doc: string;
  /** Phantom: the bound type. */
  readonly __type?: T;
}

export interface ParamOptions {
  readonly secret?: boolean;
}

/** A required parameter, and what it means (`doc`). */
export function req<T>(parse: Parser<T>, doc: string, opts: ParamOptions = {}): ParamSpec<T> {
  return { parse, required: true, default: undefined, secret: opts.secret ?? false, doc };
}

/** An optional parameter, and what it means (`doc`): undefined when not supplied, or `def`. */
export function opt<T>(parse: Parser<T>, doc: string): ParamSpec<T | undefined>;
export function opt<T>(parse: Parser<T>, doc: string, def: T, opts?: ParamOptions): ParamSpec<T>;
export function opt<T>(parse: Parser<T>, doc: string, def?: T, opts: ParamOptions = {}): ParamSpec<T | undefined> {
  return { parse, required: false, default: def, secret: opts.secret ?? false, doc };
}

/** Optional secret parameter without default, and what it means (`doc`). */
export function optSecret<T>(parse: Parser<T>, doc: string): ParamSpec<T | undefined> {
  return { parse, required: false, default: undefined, secret: true, doc };
}

export type ParamTable = Readonly<Record<string, ParamSpec<unknown>>>;

/** The handler's view of its bound parameters. */
export type Bound<P extends ParamTable> = { readonly [K in keyof P]: P[K] extends ParamSpec<infer T> ? T : never };

/**
 * What `check COMMAND …` does once COMMAND's parameters are bound (CLN's `command_check_only`):
 * - `'run'`: the command changes nothing, so it runs whole and its result is dropped;
 * - `'params'`: binding is all (CLN's `param()`: check stops after the parameters);
 * - a function: the command's own checks, reading only, in the order the command makes them; it throws
 *   what the command would throw.
 */
export type CheckSpec<P extends ParamTable> = 'run' | 'params' | ((p: Bound<P>, ctx: CommandContext) => Promise<void>);

/** What `defineCommand` takes. */
export interface CommandSpec<P extends ParamTable, R> {
  readonly name: string;
  readonly params: P;
  /** One line for docs/rpc.md and `help COMMAND`. */
  readonly description?: string;
  /** The result, in words, for `help COMMAND`. */
  readonly result: string;
  /**
   * Replaces the table-driven binder (only `check`, whose tail is another command's params). The table
   * still gives the usage line.
   */
  readonly bind?: (params: JsonNode, opts: BindOptions) => BoundCall;
  /** Runs after binding. Throws RpcError / ParamError / InvoiceError (mapped in errors.ts). */
  readonly run: (p: Bound<P>, ctx: CommandContext) => Promise<R>;
  /** Under `check`: see `CheckSpec`. Required, so that every command decides. */
  readonly check: CheckSpec<P>;
  /**
   * A listing: its answer grows with the store and may be built whole. A connection runs one such request
   * at a time, and starts one only while its output and the shared output are under their bounds
   * (connection.ts), since its size counts only once it is answered.
   */
  readonly bulky?: boolean;
}

/** The raw tokens of the supplied parameters, by name (for ParamError messages). */
export type RawParams = ReadonlyMap<string, JsonNode>;

export interface BindOptions {
  /** Where refused tokens are logged (never secrets). */
  readonly log?: (msg: string) => void;
  /** Echo refused tokens in the error (`--developer`, `check`) instead of logging them. */
  readonly echo?: boolean;
  /** The command table, for binders that need another command's (check). */
  readonly commands?: ReadonlyMap<string, Command>;
}

/** A bound call, ready to run. */
export interface BoundCall {
  readonly values: Record<string, unknown>;
  readonly raw: RawParams;
}

/** A command as the server sees it, its types erased. */
export interface Command {
  readonly name: string;
  readonly description: string;
  readonly params: ParamTable;
  /** The result, in words. */
  readonly result: string;
  /** `invoice amount_msat label description [expiry] …`, as CLN's help. */
  readonly usage: string;
  bind(params: JsonNode, opts?: BindOptions): BoundCall;
  run(values: Record<string, unknown>, ctx: CommandContext): Promise<unknown>;
  /** `check`: the command's checks on bound values, changing nothing (see `CheckSpec`). */
  check(values: Record<string, unknown>, ctx: CommandContext): Promise<void>;
  /** See `CommandSpec.bulky`. */
  readonly bulky: boolean;
}

/** Declares a command. The params' order is the positional order. */
export function defineCommand<P extends ParamTable, R>(spec: CommandSpec<P, R>): Command {
  const names = Object.keys(spec.params);
  const usage = [spec.name, ...names.map((n) => (spec.params[n]!.required ? n : `[${n}]`))].join(' ');
  return Object.freeze({
    name: spec.name,
    description: spec.description ?? '',
    params: spec.params,
    result: spec.result,
    usage,
    bulky: spec.bulky ?? false,
    bind: (params: JsonNode, opts: BindOptions = {}) =>
      spec.bind ? spec.bind(params, opts) : bindParams(spec.params, params, opts.log, opts.echo),
    run: (values: Record<string, unknown>, ctx: CommandContext) => spec.run(values as Bound<P>, ctx),
    check: async (values: Record<string, unknown>, ctx: CommandContext) => {
      const how = spec.check;
      if (how === 'params') return;
      if (how === 'run') await spec.run(values as Bound<P>, ctx);
      else await how(values as Bound<P>, ctx);
    },
  });
}

function invalid(message: string): RpcError {
  return new RpcError(CODE.INVALID_PARAMS, message);
}

/** Formats a refused token the one way (CLN's `command_fail_badparam`, reference §1.4). */
export function badParamMessage(name: string, reason: string, node: JsonNode | undefined, echo: boolean): string {
  if (!echo || node === undefined) return `${name}: ${reason}: invalid token (see logs for details)`;
  return `${name}: ${reason}: invalid token '${rawText(node)}'`;
}

/**
 * Names whose values are secrets wherever they appear (a parameter, or a hook payload's member such as
 * `onion.payment_secret`): their refused tokens are never logged. Declarations also mark secret
 * parameters (`ParamSpec.secret`); either is enough.
 */
export const SECRET_NAMES: ReadonlySet<string> = new Set([
  'preimage',
  'payment_preimage',
  'payment_key',
  'payment_secret',
  'path_id',
  'pathsecret',
  'secret',
  'seed',
  'hsm_secret',
]);

/** True when `name` (or its last dotted part, `onion.payment_secret`) is in `SECRET_NAMES`. */
export function isSecretName(name: string): boolean {
  return SECRET_NAMES.has(name) || SECRET_NAMES.has(name.slice(name.lastIndexOf('.') + 1));
}

/** Longest token text logged whole; a longer one is cut there, the log line saying so. */
export const MAX_LOGGED_TOKEN = 4096;

/**
 * 32 bytes or more in hex: the shape of a preimage, a payment secret or a raw hsm_secret. A token of that
 * shape is not logged whatever parameter it was sent as (a preimage sent in the `fallbacks` position is
 * still a preimage); a payment hash looks the same and is withheld too, which costs nothing.
 */
const SECRET_SHAPED = /[0-9a-fA-F]{64}/;

/** The info log line for a refused token (CLN's `command_fail_badparam`), a secret's withheld. */
export function badParamLogLine(name: string, reason: string, node: JsonNode, secret: boolean): string {
  const head = `Invalid parameter ${name} (${reason})`;
  if (secret || isSecretName(name)) return `${head}: token withheld (secret)`;
  const text = rawText(node);
  if (SECRET_SHAPED.test(text)) return `${head}: token withheld (${text.length} characters holding 32 bytes or more of hex, which could be a secret)`;
  if (text.length <= MAX_LOGGED_TOKEN) return `${head}: token '${text}'`;
  return `${head}: token '${text.slice(0, MAX_LOGGED_TOKEN)}...' (truncated: ${text.length} characters, first ${MAX_LOGGED_TOKEN} logged)`;
}

/**
 * A refused parameter's error message. When the token is not echoed, it is logged at info level as CLN
 * does (`badParamLogLine`), except a secret parameter's, which never reaches the log.
 */
export function refuseParam(
  name: string,
  reason: string,
  node: JsonNode | undefined,
  opts: { readonly echo: boolean; readonly secret: boolean; readonly log?: ((msg: string) => void) | undefined },
): string {
  if (!opts.echo && node !== undefined) opts.log?.(badParamLogLine(name, reason, node, opts.secret));
  return badParamMessage(name, reason, node, opts.echo);
}

/**
 * The binder for a node's hook payloads (htlc_accepted, onion_message_recv): CLN adds top-level fields
 * to them over versions, so named members the table does not know are ignored instead of refused.
 */
export function bindKnownMembers(table: ParamTable): (params: JsonNode, opts: BindOptions) => BoundCall {
  return (params, opts) =>
    bindParams(
      table,
      params.kind === 'object' ? { ...params, members: params.members.filter(([k]) => Object.hasOwn(table, k)) } : params,
      opts.log,
      opts.echo,
    );
}

/**
 * Binds `params` (an array or object node) against `table`.
 * @throws RpcError -32602 with CLN's messages.
 */
export function bindParams(table: ParamTable, params: JsonNode, log?: (msg: string) => void, echo = false): BoundCall {
  const names = Object.keys(table);
  const supplied = new Map<string, JsonNode>();
  if (params.kind === 'array') {
    if (params.items.length > names.length) {
      throw invalid(`too many parameters: got ${params.items.length}, expected ${names.length}`);
    }
    params.items.forEach((node, i) => {
      if (node.kind !== 'null') supplied.set(names[i]!, node);
    });
  } else if (params.kind === 'object') {
    const seen = new Set<string>();
    for (const [key, node] of params.members) {
      if (!Object.hasOwn(table, key)) {
        throw invalid(
          `unknown parameter: ${key}, this may be caused by a failure to autodetect key=value-style parameters. ` +
            'Please try using the -k flag and explicit key=value pairs of parameters.',
        );
      }
      if (seen.has(key)) throw invalid(`duplicate json names: ${key}`);
      seen.add(key);
      if (node.kind !== 'null') supplied.set(key, node);
    }
  } else {
    throw invalid('Expected array or object for params');
  }

  const values: Record<string, unknown> = {};
  for (const name of names) {
    const spec = table[name]!;
    const node = supplied.get(name);
    if (node === undefined) {
      values[name] = spec.default;
      continue;
    }
    const v = spec.parse(node);
    if (isFail(v)) throw invalid(refuseParam(name, v.reason, node, { echo, secret: spec.secret, log }));
    values[name] = v;
  }
  for (const name of names) {
    if (table[name]!.required && !supplied.has(name)) throw invalid(`missing required parameter: ${name}`);
  }
  return { values, raw: supplied };
}
