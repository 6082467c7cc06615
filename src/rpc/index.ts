/**
 * The RPC layer's public surface (STYLE 13). The daemon builds an `RpcContext`, calls
 * `createRpcServer({ commands: INVOICE_COMMANDS, context, logger })` and hands it accepted sockets.
 */
export { createRpcServer, DEFAULT_MAX_REQUEST_BYTES, DEFAULT_HIGH_WATER_MARK, DEFAULT_MAX_PENDING, DEFAULT_REQUEST_TIMEOUT_MS } from './server.js';
export type { RpcServer, RpcServerOptions, RpcResponse, CallOptions } from './server.js';
export type { RequestInfo } from './dispatch.js';
export type { RpcContext, OurFeatures, OffersDecoder } from './context.js';
export { INVOICE_FEATURES_HEX } from './context.js';
export { defineCommand, req, opt, optSecret, bindParams } from './command.js';
export type { Command, CommandContext, CommandSpec, ParamSpec, Bound } from './command.js';
export * as params from './params.js';
export { fail, isFail } from './params.js';
export type { Parser, Fail } from './params.js';
export { RpcError, ParamError, ERROR_CODES, CODE, toRpcError } from './errors.js';
export { formatInvoice } from './format-invoice.js';
export type { InvoiceJson } from './format-invoice.js';
export { formatBolt11 } from './format-bolt11.js';
export { INVOICE_COMMANDS } from './commands/index.js';
export { parseJson, toPlain, rawText, JsonSyntaxError } from './json-reader.js';
export type { JsonNode, IntegerMode } from './json-reader.js';
export { writeJson, RawJson } from './json-writer.js';
export { JsonFramer } from './json-framer.js';
export { JsonStream } from './json-stream.js';
export type { Frame } from './json-framer.js';
