#!/usr/bin/env node
/**
 * `invoiced`: the process. Reads argv, the environment and the config file, chooses the real clock and
 * randomness, installs signal handlers, and runs the daemon (docs/daemon.md). Exit codes: 0 after a clean
 * shutdown, 1 for a bad option or a failed start (with the reason on stderr and in the log).
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { systemClock, type Clock } from '../util/clock.js';
import { pooledRandom } from '../util/random-pool.js';
import { resolveConfig, type DaemonConfig } from './config.js';
import { createDaemon, type Daemon } from './daemon.js';
import { AdjustableClock } from './dev-clock.js';
import { systemdListenFd } from './listen.js';
import { createDaemonLogger, resolveLogFormat } from './logger.js';
import { notifyReady } from './sd-notify.js';
import { ConfigError, usageText } from './options.js';
import { VERSION } from './version.js';

/** Longest a graceful shutdown may take before the process gives up and exits 1. */
const SHUTDOWN_LIMIT_MS = 30_000;

function readFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function die(message: string): never {
  process.stderr.write(`invoiced: ${message}\n`);
  process.exit(1);
}

let config: DaemonConfig;
try {
  const req = resolveConfig(process.argv.slice(2), {
    home: process.env.HOME ?? homedir(),
    cwd: process.cwd(),
    readFile,
  });
  if (req.action === 'help') {
    process.stdout.write(usageText(VERSION));
    process.exit(0);
  }
  if (req.action === 'version') {
    process.stdout.write(`${VERSION}\n`);
    process.exit(0);
  }
  config = req.config;
} catch (err) {
  if (err instanceof ConfigError) die(err.message);
  throw err;
}

// Everything we create (database, log file, hsm_secret) is for this user only; the socket's mode is set
// explicitly from --rpc-file-mode.
process.umask(0o077);

const logFormat = resolveLogFormat(config.logFormat, config.logFile !== undefined, process.stdout.isTTY === true);
let log: ReturnType<typeof createDaemonLogger>;
try {
  log = createDaemonLogger({
    level: config.logLevel,
    format: logFormat,
    colorize: logFormat === 'pretty' && config.logFile === undefined && process.stdout.isTTY === true,
    ...(config.logFile ? { file: config.logFile } : {}),
  });
} catch (err) {
  die((err as Error).message);
}
const logger = log.logger;

// Socket activation: take the fd and hide the variables from anything we might spawn.
const inheritedFd = systemdListenFd(process.env, process.pid);
delete process.env.LISTEN_FDS;
delete process.env.LISTEN_PID;
delete process.env.LISTEN_FDNAMES;

const clock: Clock = config.developer ? new AdjustableClock(Number(config.devClockOffset) * 1000) : systemClock;
const random = pooledRandom();

process.on('uncaughtException', (err) => {
  logger.fatal({ err: err.message, stack: err.stack }, 'uncaught exception');
  log.flush();
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  logger.error({ err: reason instanceof Error ? reason.message : String(reason) }, 'unhandled rejection');
});

let daemon: Daemon;
try {
  daemon = await createDaemon({
    config,
    clock,
    random,
    logger,
    version: VERSION,
    onShutdown: () =>
      setTimeout(() => {
        logger.error('shutdown did not finish in time');
        log.flush();
        process.exit(1);
      }, SHUTDOWN_LIMIT_MS).unref(),
    ...(inheritedFd !== undefined ? { listenFd: inheritedFd } : {}),
  });
} catch (err) {
  const message = (err as Error).message;
  logger.fatal({ err: message }, 'startup failed');
  log.flush();
  die(message);
}

let signalled = false;
const onSignal = (signal: NodeJS.Signals) => {
  if (signalled) {
    logger.warn({ signal }, 'second signal: exiting at once');
    log.flush();
    process.exit(1);
  }
  signalled = true;
  logger.info({ signal }, 'signal received');
  void daemon.close();
};
process.on('SIGTERM', onSignal);
process.on('SIGINT', onSignal);
process.on('SIGHUP', () => log.reopen());

// Type=notify: ready now that the socket answers.
const notified = await notifyReady(process.env, `serving on ${daemon.socketPath ?? 'the socket systemd passed'}`);
if (notified?.sent === false) logger.warn({ err: notified.reason }, 'could not tell systemd the daemon is ready');
else if (notified?.sent) logger.debug('told systemd the daemon is ready');

await daemon.closed;
log.flush();
process.exit(0);
