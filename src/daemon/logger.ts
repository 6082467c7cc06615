/**
 * pino logging for the daemon: JSON lines to standard output or `--log-file`. Secrets never reach a log
 * line (DESIGN rule 8): nothing logs them on purpose, and these redaction paths catch the fields that
 * would carry them if an object were logged whole by mistake.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from './options.js';

/** Field names that hold secrets anywhere in a logged object. */
export const REDACT_PATHS = [
  'preimage',
  'payment_preimage',
  'payment_key',
  'payment_secret',
  'secret',
  'seed',
  'hsm_secret',
  '*.preimage',
  '*.payment_preimage',
  '*.payment_key',
  '*.payment_secret',
  '*.secret',
  '*.seed',
  'params',
  '*.params',
];

export interface DaemonLogger {
  readonly logger: Logger;
  /** Reopens the log file (logrotate sends SIGHUP). No-op for standard output. */
  reopen(): void;
  /** Writes out what is buffered; call before exit. */
  flush(): void;
}

/** Builds the daemon's logger writing to `file` or standard output. */
export function createDaemonLogger(opts: { level: LogLevel; file?: string; stream?: DestinationStream }): DaemonLogger {
  const dest =
    opts.stream ??
    pino.destination(opts.file !== undefined ? { dest: opts.file, sync: false, mkdir: true } : { dest: 1, sync: false });
  const logger = pino(
    {
      level: opts.level,
      base: { name: 'invoiced' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    dest,
  );
  const boom = dest as Partial<{ reopen(): void; flushSync(): void }>;
  return {
    logger,
    reopen: () => {
      if (opts.file !== undefined) boom.reopen?.();
    },
    flush: () => {
      try {
        boom.flushSync?.();
      } catch {
        // flushSync throws if the stream is not ready yet (nothing written): nothing to flush.
      }
    },
  };
}
