/**
 * Splits a byte stream into concatenated top-level JSON texts (reference §1.2: "A connection carries a
 * stream of JSON objects, concatenated; whitespace/newlines between them are fine").
 *
 * The framer only finds where each top-level object or array ends, by tracking nesting and strings
 * incrementally; the full grammar is checked afterwards by `parseJson`. Scanning resumes where it stopped,
 * so a request arriving byte by byte costs linear time. Bytes are kept in one growable buffer; a message
 * is decoded as UTF-8 (strictly) only once complete.
 *
 * Limits: a message larger than `maxBytes` (complete or not) is reported as `too-large` as soon as that
 * many bytes are buffered, so a client cannot make the daemon hold more than `maxBytes` (+ one read).
 */

/** What `next()` yields. */
export type Frame =
  | { readonly type: 'message'; readonly text: string }
  /** A stream that cannot be JSON (or invalid UTF-8): the connection is half-closed after answering. */
  | { readonly type: 'malformed'; readonly reason: string }
  | { readonly type: 'too-large'; readonly limit: number };

const decoder = new TextDecoder('utf-8', { fatal: true });
const EMPTY = Buffer.alloc(0);

export class JsonFramer {
  private buf: Buffer = EMPTY;
  private len = 0;
  /** Start of the message being scanned. */
  private msgStart = 0;
  /** Next byte to scan. */
  private scan = 0;
  private depth = 0;
  private inString = false;
  private escape = false;
  private failed = false;

  constructor(private readonly maxBytes: number) {}

  /** Bytes held (for tests and accounting). */
  get buffered(): number {
    return this.len - this.msgStart;
  }

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    if (this.msgStart > 0 && (this.msgStart === this.len || this.msgStart > this.buf.length / 2)) this.compact();
    const need = this.len + chunk.length;
    if (need > this.buf.length) {
      // Starting empty, the usual case of whole requests arriving at once: just enough, from Node's
      // shared pool when small; growing: at least doubling.
      const size = this.len === 0 ? need : Math.max(need, Math.min(this.buf.length * 2, this.maxBytes + 65_536), 4096);
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    this.buf.set(chunk, this.len);
    this.len = need;
  }

  /** The next complete frame, or undefined until more bytes arrive. After an error frame, always undefined. */
  next(): Frame | undefined {
    if (this.failed) return undefined;
    const b = this.buf;
    let i = this.scan;
    if (this.depth === 0) {
      // Between messages: skip whitespace, then require '{' or '['.
      while (i < this.len && isWs(b[i]!)) i++;
      this.msgStart = i;
      if (i === this.len) {
        // Everything received is consumed: hold no buffer while the connection is idle (or only waits).
        this.buf = EMPTY;
        this.len = this.msgStart = this.scan = 0;
        return undefined;
      }
      const c = b[i]!;
      if (c !== 0x7b && c !== 0x5b) return this.fail({ type: 'malformed', reason: 'Expected a JSON object' });
    }
    for (; i < this.len; i++) {
      const c = b[i]!;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (--this.depth === 0) {
          const end = i + 1;
          if (end - this.msgStart > this.maxBytes) return this.fail({ type: 'too-large', limit: this.maxBytes });
          let text: string;
          try {
            text = decoder.decode(b.subarray(this.msgStart, end));
          } catch {
            return this.fail({ type: 'malformed', reason: 'Invalid UTF-8' });
          }
          this.msgStart = this.scan = end;
          return { type: 'message', text };
        }
      }
    }
    this.scan = i;
    if (this.len - this.msgStart > this.maxBytes) return this.fail({ type: 'too-large', limit: this.maxBytes });
    return undefined;
  }

  private fail(f: Frame): Frame {
    this.failed = true;
    this.buf = Buffer.alloc(0);
    this.len = this.msgStart = this.scan = 0;
    return f;
  }

  private compact(): void {
    this.buf.copy(this.buf, 0, this.msgStart, this.len);
    this.len -= this.msgStart;
    this.scan -= this.msgStart;
    this.msgStart = 0;
    if (this.len === 0 && this.buf.length > 65_536) this.buf = Buffer.alloc(0);
  }
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
