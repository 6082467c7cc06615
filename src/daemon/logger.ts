/**
 * pino logging for the daemon: JSON lines to standard output or `--log-file`, or human-readable lines with
 * local times (pino-pretty) for a terminal or `--log-format=pretty`. Secrets never reach a log
 * line (DESIGN rule 8): nothing logs them on purpose, and these redaction paths catch the fields that
 * would carry them if an object were logged whole by mistake.
 */
import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { LogWriter } from './log-writer.js';
import type { LogFormat, LogLevel } from './options.js';

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

/**
 * `--log-format=auto`: pretty on a terminal, JSON for a file, a pipe or journald (which is not a terminal).
 */
export function resolveLogFormat(format: LogFormat | 'auto', toFile: boolean, stdoutIsTty: boolean): LogFormat {
  if (format !== 'auto') return format;
  return !toFile && stdoutIsTty ? 'pretty' : 'json';
}

/**
 * The pretty form: `[2026-12-02 16:05:01.123] INFO (engine): invoice created {label: …}` in local time,
 * colours only on a terminal. Written through `dest`, so reopen and flush work as for JSON.
 */
function prettyStream(dest: DestinationStream, colorize: boolean): DestinationStream {
  return PinoPretty({
    // pino-pretty pipes into a stream; ours (log-writer.ts) takes whole lines, so a thin Writable forwards them.
    destination: new Writable({
      write(chunk: Buffer | string, _enc, done) {
        dest.write(chunk.toString());
        done();
      },
    }),
    colorize,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname,name,module',
    messageFormat: '{if module}({module}) {end}{msg}',
    hideObject: false,
    singleLine: true,
    sync: true,
  });
}

/** Builds the daemon's logger writing to `file` or standard output; throws LogFileError if the file cannot be opened. */
export function createDaemonLogger(opts: {
  level: LogLevel;
  file?: string;
  stream?: DestinationStream;
  /** Default json. */
  format?: LogFormat;
  /** Colours in the pretty form (a terminal). */
  colorize?: boolean;
}): DaemonLogger {
  // Our writer, not pino's: a log that cannot be written drops lines instead of stopping the daemon.
  const dest = opts.stream ?? new LogWriter(opts.file !== undefined ? { file: opts.file } : {});
  const out = opts.format === 'pretty' ? prettyStream(dest, opts.colorize ?? false) : dest;
  const logger = pino(
    {
      level: opts.level,
      base: { name: 'invoiced' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    out,
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
