/**
 * Where the daemon's log lines go: a file (`--log-file`) or standard output. A log that cannot be written
 * must never stop the daemon (issue 18 item 3): lines are written asynchronously in batches; a write that
 * fails (disk full, a closed pipe) drops its lines, and one warning per outage goes to standard error,
 * with the count of lines lost once the log can be written again. At most `maxQueuedBytes` wait; beyond
 * that new lines are dropped too. `flush()` (before exit) tries once, never loops.
 *
 * The file is opened with O_NOFOLLOW (issue 18 item 12): a symbolic link planted where the log should be
 * is refused, not followed. It is created with mode 0600 (the process umask also applies).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Lines waiting above this many bytes are dropped (a log that cannot keep up must not grow memory). */
export const DEFAULT_MAX_QUEUED_BYTES = 8 * 1024 * 1024;
/** Pause before retrying a write the pipe refused for now (EAGAIN). */
const RETRY_MS = 20;

export interface LogWriterOptions {
  /** The log file; undefined for standard output. */
  readonly file?: string;
  readonly maxQueuedBytes?: number;
  /** Where the warnings go (default standard error). */
  readonly warn?: (line: string) => void;
}

/** Thrown when the log file cannot be opened. */
export class LogFileError extends Error {}

/** Opens the log file for appending without following a link. */
function openLog(file: string): number {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  try {
    return fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new LogFileError(`log file ${file} is a symbolic link: refusing to follow it`);
    throw new LogFileError(`cannot open log file ${file}: ${(err as Error).message}`);
  }
}

/** A pino destination (it only needs `write`). */
export class LogWriter {
  private fd: number;
  private queue: string[] = [];
  private queuedBytes = 0;
  private writing = false;
  /** The descriptor a write is in flight on (or waiting to retry), if any: a reopen closes the old one only once it is done. */
  private busyFd: number | undefined;
  /** Descriptors replaced by a reopen while a write on them was in flight. */
  private readonly retired = new Set<number>();
  /** Lines lost since the log last failed (reported once it works again). */
  private droppedNow = 0;
  private failing = false;
  private readonly maxQueuedBytes: number;
  private readonly warn: (line: string) => void;
  /** Lines lost since start. */
  dropped = 0;

  constructor(private readonly opts: LogWriterOptions = {}) {
    this.maxQueuedBytes = opts.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.warn = opts.warn ?? ((line) => void safeStderr(line));
    this.fd = opts.file !== undefined ? openLog(opts.file) : 1;
  }

  private get where(): string {
    return this.opts.file ?? 'standard output';
  }

  write(line: string): void {
    if (this.queuedBytes + line.length > this.maxQueuedBytes) {
      this.drop(1, 'too many lines waiting');
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length;
    if (!this.writing) this.writeSome();
  }

  private writeSome(): void {
    if (this.queue.length === 0) return;
    const lines = this.queue.length;
    const buf = Buffer.from(this.queue.join(''));
    this.queue = [];
    this.queuedBytes = 0;
    this.writing = true;
    this.writeBuf(buf, lines);
  }

  /** Writes `buf` whole to one descriptor (a reopen meanwhile does not split it between two files). */
  private writeBuf(buf: Buffer, lines: number, fd = this.fd): void {
    this.busyFd = fd;
    fs.write(fd, buf, 0, buf.length, null, (err, n) => {
      if (err?.code === 'EAGAIN') {
        setTimeout(() => this.writeBuf(buf, lines, fd), RETRY_MS).unref();
        return;
      }
      if (!err && n < buf.length) {
        this.writeBuf(buf.subarray(n), lines, fd);
        return;
      }
      this.busyFd = undefined;
      if (this.retired.delete(fd)) closeQuietly(fd);
      this.writing = false;
      if (err) this.drop(lines, err.code ?? err.message);
      else this.recovered();
      this.writeSome();
    });
  }

  private drop(lines: number, reason: string): void {
    this.dropped += lines;
    this.droppedNow += lines;
    if (this.failing) return;
    this.failing = true;
    this.warn(`invoiced: cannot write the log to ${this.where} (${reason}): dropping log lines until it can be written\n`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.warn(`invoiced: the log to ${this.where} can be written again; ${this.droppedNow} lines were dropped\n`);
    this.droppedNow = 0;
  }

  /** Writes what waits, synchronously, once (before exit). Never throws, never retries. */
  flushSync(): void {
    if (this.queue.length === 0) return;
    const lines = this.queue.length;
    const buf = Buffer.from(this.queue.join(''));
    this.queue = [];
    this.queuedBytes = 0;
    try {
      let off = 0;
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
    } catch (err) {
      this.drop(lines, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    }
  }

  /** Reopens the file (logrotate moved it). Standard output is left alone. */
  reopen(): void {
    if (this.opts.file === undefined) return;
    let fd: number;
    try {
      fd = openLog(this.opts.file);
    } catch (err) {
      this.warn(`invoiced: ${(err as Error).message}; still writing to the old file\n`);
      return;
    }
    const old = this.fd;
    this.fd = fd;
    // A write in flight on the old descriptor keeps it until that write completes (closed at once, its
    // number could be reused by the next open and the write land in another file); the rest goes here.
    if (this.busyFd === old) this.retired.add(old);
    else closeQuietly(old);
  }
}

function closeQuietly(fd: number): void {
  fs.close(fd, () => {}); // nothing to do if closing fails: the descriptor is given up either way
}

function safeStderr(line: string): void {
  try {
    fs.writeSync(2, line);
  } catch {
    // Nowhere left to say it.
  }
}
