/**
 * The JSON reader of the RPC layer. It parses one JSON text into a tree of `JsonNode`s that keep what
 * `JSON.parse` throws away and CLN's param layer needs:
 * - numbers stay as their exact source text (`text`), so integers above 2^53 are never rounded; a param
 *   parser turns an integer into a `bigint` (`integerOf`);
 * - every node knows its own source text (`rawText(node)`), which the binder echoes in
 *   `NAME: REASON: invalid token 'TOKEN'` exactly as CLN does (strings with their quotes);
 * - objects keep all members in order, duplicates included, so `duplicate json names: K` can be reported;
 * - strings remember whether they used a `\u` escape (CLN's "escaped string" params refuse them).
 *
 * Nesting is limited (`MAX_DEPTH`) so a hostile `[[[[…` cannot overflow the stack.
 */

/** Deepest nesting accepted; deeper input is a syntax error, not a crash. */
export const MAX_DEPTH = 512;

interface NodeBase {
  /** The whole JSON text this node was parsed from (shared, not copied). */
  readonly src: string;
  /** Offsets of the node's own text in `src`, end exclusive. */
  readonly start: number;
  readonly end: number;
}

export interface JsonObjectNode extends NodeBase {
  readonly kind: 'object';
  /** Members in source order; a repeated key appears twice. */
  readonly members: ReadonlyArray<readonly [string, JsonNode]>;
}
export interface JsonArrayNode extends NodeBase {
  readonly kind: 'array';
  readonly items: readonly JsonNode[];
}
export interface JsonStringNode extends NodeBase {
  readonly kind: 'string';
  readonly value: string;
  /** True when the source used at least one `\uXXXX` escape. */
  readonly unicodeEscape: boolean;
}
export interface JsonNumberNode extends NodeBase {
  readonly kind: 'number';
  /** Exactly as written, e.g. `-0`, `1e309`, `18446744073709551615`. */
  readonly text: string;
  /** No fraction and no exponent. */
  readonly integer: boolean;
}
export interface JsonBoolNode extends NodeBase {
  readonly kind: 'bool';
  readonly value: boolean;
}
export interface JsonNullNode extends NodeBase {
  readonly kind: 'null';
}

export type JsonNode = JsonObjectNode | JsonArrayNode | JsonStringNode | JsonNumberNode | JsonBoolNode | JsonNullNode;

/** A JSON text that does not parse; `offset` is where the reader gave up. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
  }
}

/** The node's own source text (strings with their quotes), as CLN's `json_tok_full`. */
export function rawText(node: JsonNode): string {
  return node.src.slice(node.start, node.end);
}

/** First member named `key` (as CLN's json_get_member), or undefined. */
export function member(node: JsonObjectNode, key: string): JsonNode | undefined {
  for (const [k, v] of node.members) if (k === key) return v;
  return undefined;
}

/** The exact integer value of an integer number node, or undefined for anything else. */
export function integerOf(node: JsonNode): bigint | undefined {
  return node.kind === 'number' && node.integer ? BigInt(node.text) : undefined;
}

/**
 * Parses exactly one JSON value filling all of `text` (surrounding whitespace allowed).
 * @throws JsonSyntaxError
 * @example parseJson('{"id":1}').kind === 'object'
 */
export function parseJson(text: string): JsonNode {
  const p = new Parser(text);
  p.ws();
  const node = p.value(0);
  p.ws();
  if (p.pos !== text.length) throw new JsonSyntaxError('Unexpected data after JSON value', p.pos);
  return node;
}

/** How `toPlain` writes integers: `auto` = number when safe, bigint beyond 2^53; `always` = bigint. */
export type IntegerMode = 'auto' | 'always';

/**
 * Converts a node to plain JavaScript values (objects keep the last of repeated keys, as JSON.parse).
 * Integers become numbers while they are safe and bigints beyond (or always, with `'always'`);
 * other numbers become JS numbers.
 */
export function toPlain(node: JsonNode, integers: IntegerMode = 'auto'): unknown {
  switch (node.kind) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of node.members) {
        // Own data property even for "__proto__": never touch the prototype chain.
        Object.defineProperty(out, k, { value: toPlain(v, integers), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    case 'array':
      return node.items.map((n) => toPlain(n, integers));
    case 'string':
    case 'bool':
      return node.value;
    case 'null':
      return null;
    case 'number': {
      if (!node.integer) return Number(node.text);
      const b = BigInt(node.text);
      if (integers === 'always') return b;
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
  }
}

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  ws(): void {
    const s = this.s;
    let i = this.pos;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.pos = i;
  }

  fail(msg: string): never {
    throw new JsonSyntaxError(msg, this.pos);
  }

  value(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail('JSON nested too deeply');
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return this.string();
      case 't':
        return this.literal('true', (src, start, end) => ({ kind: 'bool', value: true, src, start, end }));
      case 'f':
        return this.literal('false', (src, start, end) => ({ kind: 'bool', value: false, src, start, end }));
      case 'n':
        return this.literal('null', (src, start, end) => ({ kind: 'null', src, start, end }));
      case undefined:
        return this.fail('Unexpected end of JSON');
      default:
        if (c === '-' || (c >= '0' && c <= '9')) return this.number();
        return this.fail(`Unexpected character ${JSON.stringify(c)}`);
    }
  }

  literal(word: string, make: (src: string, start: number, end: number) => JsonNode): JsonNode {
    const start = this.pos;
    if (!this.s.startsWith(word, start)) this.fail('Invalid literal');
    this.pos += word.length;
    return make(this.s, start, this.pos);
  }

  number(): JsonNumberNode {
    const start = this.pos;
    NUMBER_RE.lastIndex = start;
    const m = NUMBER_RE.exec(this.s);
    if (!m) this.fail('Invalid number');
    this.pos = start + m[0].length;
    return { kind: 'number', text: m[0], integer: m[1] === undefined && m[2] === undefined, src: this.s, start, end: this.pos };
  }

  string(): JsonStringNode {
    const s = this.s;
    const start = this.pos;
    let i = start + 1;
    let out = '';
    let chunk = i;
    let unicodeEscape = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (Number.isNaN(c)) {
        this.pos = i;
        this.fail('Unterminated string');
      }
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = i;
        this.fail('Control character in string');
      }
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += s.slice(chunk, i);
      const e = s[i + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = s.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = i;
            this.fail('Invalid \\u escape');
          }
          out += String.fromCharCode(parseInt(hex, 16));
          unicodeEscape = true;
          i += 4;
          break;
        }
        default:
          this.pos = i;
          this.fail('Invalid escape');
      }
      i += 2;
      chunk = i;
    }
    out += s.slice(chunk, i);
    this.pos = i + 1;
    return { kind: 'string', value: out, unicodeEscape, src: s, start, end: this.pos };
  }

  array(depth: number): JsonArrayNode {
    const start = this.pos++;
    const items: JsonNode[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items, src: this.s, start, end: this.pos };
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') break;
      if (c !== ',') {
        this.pos--;
        this.fail("Expected ',' or ']'");
      }
    }
    return { kind: 'array', items, src: this.s, start, end: this.pos };
  }

  object(depth: number): JsonObjectNode {
    const start = this.pos++;
    const members: [string, JsonNode][] = [];
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', members, src: this.s, start, end: this.pos };
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') this.fail('Expected string key');
      const key = this.string().value;
      this.ws();
      if (this.s[this.pos] !== ':') this.fail("Expected ':'");
      this.pos++;
      this.ws();
      members.push([key, this.value(depth + 1)]);
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') break;
      if (c !== ',') {
        this.pos--;
        this.fail("Expected ',' or '}'");
      }
    }
    return { kind: 'object', members, src: this.s, start, end: this.pos };
  }
}
