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
import { nativeSecp256k1Unavailable, secp256k1 } from '../crypto/secp256k1.js';
import { openInvoiceDatabase, type InvoiceDatabase } from '../invoice/store/db.js';
import { createBolt11BuildPool } from '../invoice/invoice-build-pool.js';
import { createInvoiceEngine } from '../invoice/engine.js';
import { createPaymentProcessor } from '../invoice/payments/processor.js';
import { createBlockHeight } from '../invoice/block-height.js';
import { NodeFacts } from '../invoice/node-facts.js';
import { randomDouble, routeHintsFromFacts } from '../invoice/route-hints.js';
import { offerPathPeer, paymentPathPeer } from '../offers/peer-paths.js';
import { createHoldInvoiceEngine, type HoldInvoiceEngine } from '../invoice/hold/hold-engine.js';
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
import { checkDatabaseIdentity } from './database-identity.js';
import { lockDatabase } from './database-lock.js';
import { chooseHsmSecret, prepareDirectories } from './datadir.js';
import { setupEvents } from './events-setup.js';
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

  // A start that failed is cleaned up without the "shutting down" lines of a daemon that ran.
  let started = false;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (started) logger.info('shutting down');
      deps.onShutdown?.();
      for (const c of [...closers].reverse()) {
        try {
          await c.run();
        } catch (err) {
          logger.error({ err: (err as Error).message, closer: c.name }, 'error while closing');
        }
      }
      if (started) logger.info('shutdown complete');
      resolveClosed();
    })();
    return closing;
  };

  try {
    // Refuse before touching the database if another daemon serves this socket.
    if (deps.listenFd === undefined && (await probeSocket(config.rpcFile)) === 'live') {
      throw new ListenError(`another daemon is already answering on ${config.rpcFile}`);
    }
    prepareDirectories(config);
    // `--rpc-file-mode` letting the group in (0660): the group must also reach the socket, so the datadir
    // and the network folder get group search permission (not reading: the files in them stay 0600).
    if ((config.rpcFileMode & 0o060) !== 0 && deps.listenFd === undefined) {
      for (const dir of [config.datadir, config.networkDir]) {
        const mode = fs.statSync(dir).mode & 0o777;
        if ((mode & 0o010) === 0) fs.chmodSync(dir, mode | 0o010);
      }
    }
    // One daemon per SQLite database; the lock is released last, after the database is closed.
    if (config.database.kind === 'sqlite') {
      const lock = lockDatabase(config.database.path);
      closers.push({ name: 'database lock', run: () => lock.release() });
    }

    const hsmSecret = chooseHsmSecret(config, (shared, perNetwork) =>
      logger.warn(
        { shared_file: shared, per_network_file: perNetwork },
        `using the shared ${shared} of earlier versions; each network now has its own: mv ${shared} ${perNetwork}`,
      ),
    );
    const seed = await (deps.loadSeed ?? defaultLoadSeed)(hsmSecret, { create: true });
    const nodeKeys: NodeKeys = nodeKeysFromSeed(seed);
    // Wiped once the build pool has its copy, or on a failed start before it.
    closers.push({ name: 'seed', run: () => void seed.fill(0) });

    const database: InvoiceDatabase = await openInvoiceDatabase(
      config.database.kind === 'sqlite'
        ? {
            path: config.database.path,
            onCheckpointFallback: (reason) => logger.warn({ err: reason }, 'WAL checkpoints fall back to the writing connection'),
          }
        : {
            url: config.database.url,
            ...(config.database.schema !== undefined ? { schema: config.database.schema } : {}),
            // Once per outage, not once per failed request.
            onOutage: (reason) => logger.error({ err: reason }, 'database connection lost: requests that need it fail until it is back'),
            onRecovered: () => logger.info('database connection restored'),
          },
    ).catch((err: unknown) => {
      // Say which database: a bare "connect ECONNREFUSED 127.0.0.1:5432" does not.
      throw new Error(`database ${describeDatabase(config.database)}: ${(err as Error).message}`, { cause: err });
    });
    closers.push({ name: 'database', run: () => database.close() });
    if (database.created) logger.info({ database: describeDatabase(config.database) }, 'new database created');
    await checkDatabaseIdentity(
      database.db,
      { network: config.network, nodeId: toHex(nodeKeys.nodeId) },
      describeDatabase(config.database),
    );
    // New invoices are signed on worker threads: signing is most of `invoice`'s cost (docs/performance.md).
    // Started only once the database is known to be this node's: a refused start spawns no thread.
    const buildPool = createBolt11BuildPool({ seed, size: BUILD_WORKERS });
    closers.push({ name: 'bolt11 build pool', run: () => buildPool.close() });
    seed.fill(0);

    // What the bridge reports about its node: getinfo's values, route hints, offers' blinded paths.
    const nodeFacts = new NodeFacts();
    // The event feed, webhooks and metrics (issue 16): engines write through `events.database`, whose
    // hooks append each change's event in the change's own transaction.
    const events = await setupEvents({ config, database, clock, random: deps.random, logger, version: deps.version, engineWaiters: () => engine.sleepingWaits() });
    closers.push({ name: 'events', run: () => events.close() });

    const built = createInvoiceEngine({
      db: events.database,
      nodeKeys,
      bolt11Builder: buildPool,
      network: config.network,
      clock,
      random: deps.random,
      logger: logger.child({ module: 'engine' }),
      routeHints: routeHintsFromFacts(nodeFacts, randomDouble(deps.random)),
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
    // Developer (tests): die after a create commits and before it is answered.
    const engine: typeof built =
      config.developer && config.devCrashAfterCreate
        ? { ...built, create: (p, ext) => built.create(p, ext).then(() => process.kill(process.pid, 'SIGKILL') as never) }
        : built;
    // Expires what expired while we were down (with index bumps) and arms the expiry timer.
    await engine.start();

    const offers = createOfferEngine({
      db: events.database,
      invoices: engine,
      nodeKeys,
      network: config.network,
      clock,
      random: deps.random,
      logger: logger.child({ module: 'offers' }),
      offerPathPeer: offerPathPeer(nodeFacts, () => logger.warn('No incoming channel to public peer, so no blinded path')),
    });
    // A paid invoice of one of our offers makes the offer "used" (a single-use one then inactive): the
    // offer engine set that rule on the invoice engine, which applies it inside the payment's transaction.

    // The BOLT 12 merchant flow: invoice_requests answered, sendinvoice, the outbox, currency rates.
    const merchant = createMerchant({
      db: events.database,
      invoices: engine,
      nodeKeys,
      network: config.network,
      clock,
      random: deps.random,
      cltvFinal: config.cltvFinal,
      logger: logger.child({ module: 'merchant' }),
      paymentPathPeer: paymentPathPeer(nodeFacts, () => logger.warn('No incoming channel to a public peer, so no blinded path')),
      blockheight: () => height.current(),
    });

    // The node's height: the bridge's setblockheight, raised by our HTLCs' heights, kept across restarts.
    const height = createBlockHeight({
      initial: (await engine.storedBlockheight()) ?? 0,
      store: { raise: (h) => engine.noteBlockheight(h), write: (h) => engine.writeBlockheight(h) },
      onRefused: (h, known) =>
        logger.warn({ blockheight: h, known }, 'htlc block height too far above the known height: not taken'),
    });
    let hold: HoldInvoiceEngine | undefined;
    const payments = createPaymentProcessor({
      engine,
      hold: () => hold,
      clock,
      cltvFinal: config.cltvFinal,
      mppTimeoutMs: config.mppTimeout * 1000,
      logger: logger.child({ module: 'payments' }),
      bolt12InvoiceBase: nodeKeys.deriveSecret('bolt12-invoice-base'),
      blockHeight: height,
      ...(config.developer && config.devCrashAfterPay && { afterCommit: () => void process.kill(process.pid, 'SIGKILL') }),
    });

    hold = createHoldInvoiceEngine({
      engine,
      db: events.database.db,
      clock,
      blockheight: () => payments.blockheight(),
      deadlines: {
        cancelBeforeHtlcExpiry: config.holdCancelBeforeHtlcExpiry,
        cancelBeforeInvoiceExpiry: config.holdCancelBeforeInvoiceExpiry,
      },
      defaultExpiry: Number(config.invoiceExpiry),
      logger: logger.child({ module: 'hold' }),
    });
    await hold.start();

    // The bridge's heights also move hold invoices' block deadlines.
    const bridgeHeight: typeof height = {
      ...height,
      set: async (h, force) => {
        const now = await height.set(h, force);
        hold?.onBlockheight(now);
        return now;
      },
    };

    const table = events.metrics ? events.metrics.instrument(INVOICE_COMMANDS) : [...INVOICE_COMMANDS];
    if (config.developer && clock instanceof AdjustableClock) table.push(devClockCommand(clock));
    const inflight = trackInflight(table);

    const rpc: RpcServer = createRpcServer({
      commands: inflight.commands,
      logger: logger.child({ module: 'rpc' }),
      maxRequestBytes: config.maxRequestSize,
      clock,
      ...(events.metrics ? { onRequest: events.metrics.onRequest } : {}),
      context: {
        engine,
        nodeId: nodeKeys.nodeId,
        network: config.network,
        version: deps.version,
        developer: config.developer,
        blockheight: () => height.current() || undefined,
        logger,
        requestStop: () => void close(),
        cltvFinal: config.cltvFinal,
        features: { invoice: INVOICE_FEATURES_HEX },
        payments,
        offers,
        merchant,
        height: bridgeHeight,
        nodeFacts,
        lightningDir: config.networkDir,
        events: events.feed,
        webhooks: events.webhooks,
        hold,
        engineHooks: engine.hooks,
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
    // Before the engine's close: `wait events` answers "shutting down" as the invoice waits do.
    closers.push({ name: 'event waits', run: () => events.feed.close() });
    await events.start();
    closers.push({ name: 'hold invoices', run: () => hold?.close() });

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

    started = true;
    // Before the started line, so whoever waits for that line has every startup warning already.
    if (nativeSecp256k1Unavailable !== undefined) {
      logger.warn({ reason: nativeSecp256k1Unavailable }, 'native libsecp256k1 not loaded: signing with tiny-secp256k1 (WebAssembly)');
    }
    logger.info(
      {
        node_id: toHex(nodeKeys.nodeId),
        network: config.network,
        socket: socketPath ?? `fd ${deps.listenFd} (systemd)`,
        database: describeDatabase(config.database),
        version: deps.version,
        secp256k1: secp256k1.name,
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
