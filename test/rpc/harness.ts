/** Builds an RPC server over the fake engine, with a pino logger whose lines the test can read. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createRpcServer, INVOICE_COMMANDS, INVOICE_FEATURES_HEX, type RpcContext, type RpcServerOptions } from '../../src/rpc/index.js';
import { FakeEngine } from './fake-engine.js';

export const NODE_ID = Uint8Array.from(Buffer.from('02' + '11'.repeat(32), 'hex'));

export function makeHarness(over: Partial<Omit<RpcServerOptions, 'context'>> & { context?: Partial<RpcContext> } = {}) {
  const logLines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logLines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const engine = new FakeEngine();
  let stops = 0;
  const context: RpcContext = {
    engine,
    nodeId: NODE_ID,
    network: 'regtest',
    version: 'v0.1.0-test',
    blockheight: () => undefined,
    logger,
    requestStop: () => void stops++,
    cltvFinal: 10,
    features: { invoice: INVOICE_FEATURES_HEX },
    // As the e2e daemons (started with --developer): refused tokens are echoed.
    developer: true,
    ...over.context,
  };
  const server = createRpcServer({ commands: INVOICE_COMMANDS, logger, ...over, context });
  return { server, engine, logLines, context, stopsRequested: () => stops };
}
