/**
 * Logging through lightningd: CLN's `log` notification (`{"level": …, "message": …}`), so our lines
 * appear in the node's own log as `plugin-invoiced-cln: …`. stdout carries only protocol messages, and
 * nothing is written to stderr in normal operation. Secrets (preimages) are never logged: HTLCs are named
 * by channel, id and payment hash only.
 */
import { LOG_LEVELS, type LogLevel } from './manifest.js';

export interface Log {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** Changes the least important level sent. */
  setLevel(level: LogLevel): void;
}

/** A logger sending each line at or above `level` to `send(level, message)`. */
export function createLog(send: (level: LogLevel, message: string) => void, level: LogLevel = 'info'): Log {
  let min = LOG_LEVELS.indexOf(level);
  const at = (l: LogLevel) => (msg: string) => {
    if (LOG_LEVELS.indexOf(l) >= min) send(l, msg);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    setLevel(l) {
      min = LOG_LEVELS.indexOf(l);
    },
  };
}

/** A one-line description of any thrown value. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
