/**
 * The composition root (STYLE 14): builds the node keys, the database, the invoice engine, payments and
 * the RPC server, and listens. Nothing else in the project reads the key file or chooses the real clock;
 * `main.ts` (argv, env, signals) hands those in. `close()` runs the closers in reverse start order.
 *
 * Startup (issue 4): refuse if a daemon answers on the socket, remove a stale socket file, migrate the
 * database, expire what expired while we were down (the engine's start), then listen with the
 * configured mode, and log one line with the node id, network, socket and database.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { nodeKeysFromSeed, type NodeKeys } from '../crypto/node-keys.js';
import { openInvoiceDatabase, type InvoiceDatabase } from '../invoice/db.js';
import { createBolt11BuildPool } from '../invoice/invoice-build-pool.js';
import { createInvoiceEngine } from '../invoice/engine.js';
import { createPaymentProcessor } from '../invoice/payment-processor.js';
import { createMerchant } from '../offers/merchant.js';
import { createOfferEngine } from '../offers/offer-engine.js';
import { createRpcServer, INVOICE_COMMANDS, INVOICE_FEATURES_HEX, type RpcResponse, type RpcServer } from '../rpc/index.js';
import type { Clock, RandomSource } from '../util/clock.js';
import { toHex } from '../util/hex.js';
import { describeDatabase, type DaemonConfig } from './config.js';
import { devClockCommand } from './dev-commands.js';
import { AdjustableClock } from './dev-clock.js';
import { listenFd, ListenError, listenUnix, probeSocket, stopListening } from './listen.js';
import { trackInflight } from './inflight.js';
import { loadSeed as defaultLoadSeed, type SeedLoader } from './seed.js';

export interface DaemonDeps {
  readonly config: DaemonConfig;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  readonly version: string;
  /** Reads the hsm_secret (default: the file at `config.hsmSecret`, created when missing). */
  readonly loadSeed?: SeedLoader;
  /** A listening socket inherited from systemd; when set, `config.rpcFile` is not created. */
  readonly listenFd?: number;
  /** Told when a shutdown begins, whoever asked (main arms its give-up timer). */
  readonly onShutdown?: () => void;
}

export interface Daemon {
  readonly nodeId: Uint8Array;
  /** The socket path we created (undefined under socket activation). */
  readonly socketPath: string | undefined;
  /** One request in-process (tests), through the same server. */
  call(method: string, params?: unknown): Promise<RpcResponse>;
  /** Graceful shutdown; idempotent. Resolves when everything is closed. */
  close(): Promise<void>;
  /** Resolves once closed, whoever started the shutdown (`stop`, a signal, `close()`). */
  readonly closed: Promise<void>;
}

/** How long shutdown waits for running handlers to answer before ending connections anyway. */
const DRAIN_LIMIT_MS = 10_000;

/**
 * Signing worker threads: one per core beyond the main thread's, at least one (measured: see
 * docs/performance.md).
 */
const BUILD_WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));

type Closer = { readonly name: string; readonly run: () => Promise<void> | void };

/** Builds and starts a daemon. On a startup failure, whatever was started is closed again and the error rethrown. */
export async function createDaemon(deps: DaemonDeps): Promise<Daemon> {
  const { config, clock, logger } = deps;
  const closers: Closer[] = [];
  let closing: Promise<void> | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const close = (): Promise<void> => {
    closing ??= (async () => {
      logger.info('shutting down');
      deps.onShutdown?.();
      for (const c of [...closers].reverse()) {
        try {
          await c.run();
        } catch (err) {
          logger.error({ err: (err as Error).message, closer: c.name }, 'error while closing');
        }
      }
      logger.info('shutdown complete');
      resolveClosed();
    })();
    return closing;
  };

  try {
    // Refuse before touching the database if another daemon serves this socket.
    if (deps.listenFd === undefined && (await probeSocket(config.rpcFile)) === 'live') {
      throw new ListenError(`another daemon is already answering on ${config.rpcFile}`);
    }
    fs.mkdirSync(config.networkDir, { recursive: true, mode: 0o700 });

    const seed = await (deps.loadSeed ?? defaultLoadSeed)(config.hsmSecret, { create: true });
    const nodeKeys: NodeKeys = nodeKeysFromSeed(seed);
    // New invoices are signed on worker threads: signing is most of `invoice`'s cost (docs/performance.md).
    const buildPool = createBolt11BuildPool({ seed, size: BUILD_WORKERS });
    closers.push({ name: 'bolt11 build pool', run: () => buildPool.close() });
    seed.fill(0);

    const database: InvoiceDatabase = await openInvoiceDatabase(
      config.database.kind === 'sqlite'
        ? { path: config.database.path }
        : { url: config.database.url, ...(config.database.schema !== undefined ? { schema: config.database.schema } : {}) },
    );
    closers.push({ name: 'database', run: () => database.close() });

    const engine = createInvoiceEngine({
      db: database,
      nodeKeys,
      bolt11Builder: buildPool,
      network: config.network,
      clock,
      random: deps.random,
      logger: logger.child({ module: 'engine' }),
      config: {
        invoiceExpiry: Number(config.invoiceExpiry),
        cltvFinal: config.cltvFinal,
        autoclean: {
          cycle: Number(config.autoclean.cycle),
          expiredinvoicesAge: Number(config.autoclean.expiredinvoicesAge),
          paidinvoicesAge: Number(config.autoclean.paidinvoicesAge),
        },
      },
    });
    // Expires what expired while we were down (with index bumps) and arms the expiry timer.
    await engine.start();

    const offers = createOfferEngine({
      db: database,
      invoices: engine,
      nodeKeys,
      network: config.network,
      clock,
      random: deps.random,
      logger: logger.child({ module: 'offers' }),
    });
    // A paid invoice of one of our offers makes the offer "used" (a single-use one then inactive): the
    // offer engine set that rule on the invoice engine, which applies it inside the payment's transaction.

    // The BOLT 12 merchant flow: invoice_requests answered, sendinvoice, the outbox, currency rates.
    const merchant = createMerchant({
      db: database,
      invoices: engine,
      nodeKeys,
      network: config.network,
      clock,
      random: deps.random,
      cltvFinal: config.cltvFinal,
      logger: logger.child({ module: 'merchant' }),
    });

    const payments = createPaymentProcessor({
      engine,
      clock,
      cltvFinal: config.cltvFinal,
      mppTimeoutMs: config.mppTimeout * 1000,
      logger: logger.child({ module: 'payments' }),
      bolt12InvoiceBase: nodeKeys.deriveSecret('bolt12-invoice-base'),
      // getinfo.blockheight survives restarts: the engine stores each new highest height.
      initialBlockheight: (await engine.storedBlockheight()) ?? 0,
      ...(config.developer && config.devCrashAfterPay && { afterCommit: () => void process.kill(process.pid, 'SIGKILL') }),
    });

    const table = [...INVOICE_COMMANDS];
    if (config.developer && clock instanceof AdjustableClock) table.push(devClockCommand(clock));
    const inflight = trackInflight(table);

    const rpc: RpcServer = createRpcServer({
      commands: inflight.commands,
      logger: logger.child({ module: 'rpc' }),
      maxRequestBytes: config.maxRequestSize,
      context: {
        engine,
        nodeId: nodeKeys.nodeId,
        network: config.network,
        version: deps.version,
        blockheight: () => payments.blockheight() || undefined,
        logger,
        requestStop: () => void close(),
        cltvFinal: config.cltvFinal,
        features: { invoice: INVOICE_FEATURES_HEX },
        payments,
        offers,
        merchant,
      },
    });
    // Shutdown order (reverse of registration): stop listening, fail pending payments, answer pending
    // waits with "shutting down" and finish in-flight writes, let those answers go out, end the
    // connections, then close the database.
    closers.push({
      name: 'connections',
      run: async () => {
        await inflight.drained(DRAIN_LIMIT_MS);
        await rpc.closeConnections();
      },
    });
    closers.push({ name: 'engine', run: () => engine.close() });
    closers.push({ name: 'offers', run: () => offers.close() });
    closers.push({ name: 'merchant', run: () => merchant.close() });
    closers.push({ name: 'payments', run: () => payments.close() });

    const server = net.createServer({ allowHalfOpen: true }, (socket) => rpc.handleConnection(socket));
    server.on('error', (err) => logger.error({ err: err.message }, 'listener error'));
    let socketPath: string | undefined;
    if (deps.listenFd !== undefined) {
      await listenFd(server, deps.listenFd);
    } else {
      await listenUnix(server, config.rpcFile, config.rpcFileMode);
      socketPath = config.rpcFile;
    }
    closers.push({
      name: 'listener',
      run: () => {
        stopListening(server);
        if (socketPath !== undefined) fs.rmSync(socketPath, { force: true });
      },
    });

    logger.info(
      {
        node_id: toHex(nodeKeys.nodeId),
        network: config.network,
        socket: socketPath ?? `fd ${deps.listenFd} (systemd)`,
        database: describeDatabase(config.database),
        version: deps.version,
      },
      'invoiced started',
    );

    return {
      nodeId: nodeKeys.nodeId,
      socketPath,
      call: (method, params) => rpc.call(method, params ?? {}),
      close,
      closed,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
