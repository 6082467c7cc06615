/**
 * One request, from its parsed JSON to its response text: the envelope checks in CLN's order
 * (reference §1.3), the `filter` member, parameter binding, the handler, and the error mapping.
 * Connection-level concerns (framing, back-pressure, hang-ups) are the server's.
 */
import type { Logger } from 'pino';
import { performance } from 'node:perf_hooks';
import { member, parseJson, rawText, toPlain, type JsonNode } from './json-reader.js';
import { RawJson, writeJson } from './json-writer.js';
import { CODE, DATABASE_UNAVAILABLE, ParamError, RpcError, toRpcError } from './errors.js';
import { applyFilter, parseFilter, type Filter } from './filter.js';
import { JsonStream } from './json-stream.js';
import { refuseParam, type BoundCall, type Command, type CommandContext, type RawParams } from './command.js';
import type { RpcContext } from './context.js';

/** Reported once per request (the daemon's debug log line, metrics). */
export interface RequestInfo {
  readonly method: string | undefined;
  /** The id's JSON text, or "null". */
  readonly id: string;
  readonly duration_ms: number;
  /** undefined on success. */
  readonly error_code?: number;
}

export interface DispatchEnv {
  readonly commands: ReadonlyMap<string, Command>;
  readonly context: RpcContext;
  readonly logger: Logger;
  readonly onRequest?: (info: RequestInfo) => void;
}

export interface Outcome {
  /** The response object's text, without the trailing "\n\n". */
  readonly text: string;
  /** Stop reading from this connection (reference §1.2: no `jsonrpc` member). */
  readonly hangup: boolean;
  /**
   * A streamed result (json-stream.ts): `text` is the response's beginning; the stream's further pieces
   * follow, then `}` closes the response.
   */
  readonly stream?: JsonStream;
}

const NULL_ID = new RawJson('null');

function clip(s: string | undefined): string | undefined {
  return s !== undefined && s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

/** Response text for an error. */
export function errorResponse(id: RawJson, err: RpcError): string {
  const error: Record<string, unknown> = { code: err.code, message: err.message };
  if (err.data !== undefined) error['data'] = err.data;
  return writeJson({ jsonrpc: '2.0', id, error });
}

/** Runs one request. Never rejects. */
export function dispatch(root: JsonNode, env: DispatchEnv, signal: AbortSignal): Promise<Outcome> {
  // Not async: the handler's promise is returned as is rather than adopted by another (a pending wait
  // holds one link less), and an unexpected throw still becomes a rejection, as from an async function.
  try {
    const out = prepare(root, env, signal);
    return out instanceof Promise ? out : Promise.resolve(out);
  } catch (e) {
    return Promise.reject(e);
  }
}

/** The checks and the binding, synchronous; then the handler (`execute`). */
function prepare(root: JsonNode, env: DispatchEnv, signal: AbortSignal): Outcome | Promise<Outcome> {
  const t0 = performance.now();
  let method: string | undefined;
  let id = NULL_ID;
  const done = (text: string, code?: number, hangup = false, stream?: JsonStream): Outcome => {
    // Ids and method names come from the client: keep log lines short whatever it sends.
    const info: RequestInfo = { method: clip(method), id: clip(id.text)!, duration_ms: Math.round((performance.now() - t0) * 1000) / 1000, error_code: code };
    env.logger.debug(info, 'rpc request');
    try {
      env.onRequest?.(info);
    } catch (e) {
      env.logger.warn({ err: e instanceof Error ? e.message : String(e) }, 'onRequest hook failed');
    }
    return stream ? { text, hangup, stream } : { text, hangup };
  };
  const failWith = (err: RpcError, hangup = false) => done(errorResponse(id, err), err.code, hangup);

  // 0. (framing) a `jsonrpc` member must exist, else -32600 with id null and the connection half-closed.
  if (root.kind !== 'object' || member(root, 'jsonrpc') === undefined) {
    const text = rawText(root);
    const shown = text.length > 200 ? `${text.slice(0, 200)}...` : text;
    return failWith(new RpcError(CODE.INVALID_REQUEST, `JSON-RPC message does not contain "jsonrpc" field: '${shown}'`), true);
  }
  // 2. id
  const idNode = member(root, 'id');
  if (idNode === undefined) return failWith(new RpcError(CODE.INVALID_REQUEST, 'No id'));
  if (idNode.kind === 'object' || idNode.kind === 'array') {
    return failWith(new RpcError(CODE.INVALID_REQUEST, 'Expected string/primitive for id'));
  }
  // 3. jsonrpc must be "2.0" (id still null here, as CLN).
  const jsonrpc = member(root, 'jsonrpc')!;
  if (jsonrpc.kind !== 'string' || jsonrpc.value !== '2.0') {
    return failWith(new RpcError(CODE.INVALID_REQUEST, 'jsonrpc: "2.0" must be specified in the request'));
  }
  id = new RawJson(rawText(idNode));
  // 4–5. method and params
  const methodNode = member(root, 'method');
  if (methodNode === undefined) return failWith(new RpcError(CODE.INVALID_REQUEST, 'No method'));
  const paramsNode = member(root, 'params');
  if (paramsNode === undefined) return failWith(new RpcError(CODE.INVALID_REQUEST, 'No params'));
  if (methodNode.kind !== 'string') return failWith(new RpcError(CODE.INVALID_REQUEST, 'Expected string for method'));
  method = methodNode.value;
  // 6. unknown command
  const command = env.commands.get(method);
  if (command === undefined) return failWith(new RpcError(CODE.METHOD_NOT_FOUND, `Unknown command '${method}'`));
  // 7. filter
  let filter: Filter | undefined;
  const filterNode = member(root, 'filter');
  if (filterNode !== undefined) {
    const f = parseFilter(filterNode);
    if (typeof f === 'string') {
      const message = refuseParam('filter', f, filterNode, { echo: echoTokens(env), secret: false, log: badParamLog(env, method) });
      return failWith(new RpcError(CODE.INVALID_PARAMS, message));
    }
    filter = f;
  }
  // Parameters, then the handler. The handler is awaited in `execute`, which holds only what the answer
  // needs: a request that waits (for minutes, by the thousand) keeps neither its parsed tree nor its
  // bound parameters' tokens, which are read again from the request's text if the handler refuses one.
  let bound: BoundCall;
  try {
    bound = command.bind(paramsNode, { log: badParamLog(env, method), echo: echoTokens(env), commands: env.commands });
  } catch (e) {
    return failWith(handlerError(e, signal, env, command, method, id, undefined));
  }
  // The shared context is the prototype: one small object per request instead of a copy of every member.
  const ctx = Object.create(env.context) as { -readonly [K in keyof CommandContext]: CommandContext[K] };
  ctx.signal = signal;
  ctx.commands = env.commands;
  ctx.requestId = id.text;
  return execute(command, bound.values, ctx, filter, paramsNode.src, env, method, id, done, failWith);
}

/** The handler and the answer; see above for what it deliberately does not hold. */
async function execute(
  command: Command,
  values: Record<string, unknown>,
  ctx: CommandContext,
  filter: Filter | undefined,
  src: string,
  env: DispatchEnv,
  method: string,
  id: RawJson,
  done: (text: string, code?: number, hangup?: boolean, stream?: JsonStream) => Outcome,
  failWith: (err: RpcError) => Outcome,
): Promise<Outcome> {
  try {
    let result = await command.run(values, ctx);
    if (result instanceof JsonStream) {
      const stream = filter === undefined ? result : result.filtered(filter);
      if (stream !== undefined) {
        // The first piece is read here, so a database error still answers as an error.
        const first = await stream.next();
        return done(`{"jsonrpc":"2.0","id":${id.text},"result":${first}`, undefined, false, stream);
      }
      // A filter of another shape: the whole result, filtered below like any other.
      result = toPlain(parseJson(await result.text()));
    }
    // A result shared as text (waits woken by one event) is filtered as the JSON it stands for.
    if (filter !== undefined) result = applyFilter(result instanceof RawJson ? toPlain(parseJson(result.text)) : result, filter);
    return done(writeJson({ jsonrpc: '2.0', id, result }));
  } catch (e) {
    // The refused parameter's token, found again by binding the request's text anew (binding is pure).
    const raw = (): RawParams | undefined => {
      try {
        const root = parseJson(src);
        const params = root.kind === 'object' ? member(root, 'params') : undefined;
        return params && command.bind(params, { commands: env.commands }).raw;
      } catch {
        return undefined;
      }
    };
    return failWith(handlerError(e, ctx.signal, env, command, method, id, raw));
  }
}

/** CLN's `command_fail_badparam`: refused tokens are echoed only with `--developer` (and under `check`). */
function echoTokens(env: DispatchEnv): boolean {
  return env.context.developer === true;
}

/** Where refused tokens go when they are not echoed: the info log, as CLN's `command_log(LOG_INFORM)`. */
function badParamLog(env: DispatchEnv, method: string): (msg: string) => void {
  return (msg) => env.logger.info({ method }, msg);
}

/** The error a handler's (or binder's) exception answers with. */
function handlerError(
  e: unknown,
  signal: AbortSignal,
  env: DispatchEnv,
  command: Command,
  method: string,
  id: RawJson,
  raw: (() => RawParams | undefined) | undefined,
): RpcError {
  // A wait cut short by its connection or by shutdown answers with the reason the server gave.
  const err = signal.aborted && signal.reason instanceof RpcError ? signal.reason : toRpcError(e);
  if (err instanceof ParamError) {
    const node = err.token ?? raw?.()?.get(err.param);
    const secret = command.params[err.param]?.secret ?? false;
    return new RpcError(CODE.INVALID_PARAMS, refuseParam(err.param, err.reason, node, { echo: echoTokens(env), secret, log: badParamLog(env, method) }));
  }
  if (err.code === CODE.INTERNAL_ERROR && !err.message.startsWith(DATABASE_UNAVAILABLE)) {
    // Only the error itself: never the params, which may hold a preimage.
    env.logger.error({ method, id: id.text, err: e instanceof Error ? { name: e.name, message: e.message, stack: e.stack } : String(e) }, 'rpc handler failed');
  }
  return err;
}
