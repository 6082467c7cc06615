/**
 * A JSON reader that keeps every token's exact source text, as lightning-cli's jsmn tokens do, so the CLI
 * prints numbers above 2^53, escapes and key order exactly as the daemon sent them. It also tells a
 * truncated document (read more) from a broken one.
 */

export type JsonNode =
  | { readonly kind: 'string'; readonly raw: string }
  | { readonly kind: 'primitive'; readonly raw: string }
  | { readonly kind: 'array'; readonly raw: string; readonly items: readonly JsonNode[] }
  | { readonly kind: 'object'; readonly raw: string; readonly entries: readonly JsonEntry[] };

export interface JsonEntry {
  /** The key token, quotes included. */
  readonly key: JsonNode & { kind: 'string' };
  readonly value: JsonNode;
}

/** The input ended inside a value: read more. */
export class JsonIncomplete extends Error {
  override readonly name = 'JsonIncomplete';
}

/** The input is not JSON. */
export class JsonInvalid extends Error {
  override readonly name = 'JsonInvalid';
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORDS = ['true', 'false', 'null'];

/** Parses the first JSON value of `text`; returns it and the offset just after it. */
export function parseJsonPrefix(text: string, from = 0): { node: JsonNode; end: number } {
  let i = from;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const need = () => {
    if (i >= text.length) throw new JsonIncomplete('unexpected end of input');
  };
  const value = (depth: number): JsonNode => {
    if (depth > 512) throw new JsonInvalid('nested too deeply');
    ws();
    need();
    const start = i;
    const c = text[i]!;
    if (c === '"') {
      i++;
      for (;;) {
        need();
        const ch = text[i]!;
        if (ch === '"') break;
        if (ch === '\\') {
          i++;
          need();
          const e = text[i]!;
          if (e === 'u') {
            if (i + 5 > text.length) throw new JsonIncomplete('unexpected end of input');
            if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) throw new JsonInvalid(`bad \\u escape at ${i}`);
            i += 4;
          } else if (!'"\\/bfnrt'.includes(e)) throw new JsonInvalid(`bad escape at ${i}`);
        } else if (ch < ' ') throw new JsonInvalid(`control character in string at ${i}`);
        i++;
      }
      i++;
      return { kind: 'string', raw: text.slice(start, i) };
    }
    if (c === '[' || c === '{') {
      const close = c === '[' ? ']' : '}';
      i++;
      const items: JsonNode[] = [];
      const entries: JsonEntry[] = [];
      ws();
      need();
      if (text[i] === close) {
        i++;
      } else {
        for (;;) {
          if (c === '{') {
            ws();
            need();
            if (text[i] !== '"') throw new JsonInvalid(`expected a key at ${i}`);
            const key = value(depth + 1) as JsonNode & { kind: 'string' };
            ws();
            need();
            if (text[i] !== ':') throw new JsonInvalid(`expected ':' at ${i}`);
            i++;
            entries.push({ key, value: value(depth + 1) });
          } else {
            items.push(value(depth + 1));
          }
          ws();
          need();
          if (text[i] === ',') {
            i++;
            continue;
          }
          if (text[i] === close) {
            i++;
            break;
          }
          throw new JsonInvalid(`expected ',' or '${close}' at ${i}`);
        }
      }
      const raw = text.slice(start, i);
      return c === '[' ? { kind: 'array', raw, items } : { kind: 'object', raw, entries };
    }
    for (const w of WORDS) {
      if (text.startsWith(w, i)) {
        i += w.length;
        return { kind: 'primitive', raw: w };
      }
      if (w.startsWith(text.slice(i)) ) throw new JsonIncomplete('unexpected end of input');
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m || m[0] === '' || m[0] === '-') throw new JsonInvalid(`unexpected '${c}' at ${i}`);
    i += m[0].length;
    // A number at the very end may still be growing.
    if (i >= text.length && depth === 0) throw new JsonIncomplete('number at end of input');
    return { kind: 'primitive', raw: m[0] };
  };
  const node = value(0);
  return { node, end: i };
}

/** Parses exactly one JSON document (trailing whitespace allowed). */
export function parseJsonDocument(text: string): JsonNode {
  let r: { node: JsonNode; end: number };
  try {
    r = parseJsonPrefix(text + ' ');
  } catch (err) {
    if (err instanceof JsonIncomplete) throw new JsonInvalid(err.message);
    throw err;
  }
  if (text.slice(r.end).trim() !== '') throw new JsonInvalid(`trailing text at ${r.end}`);
  return r.node;
}

/** The member `name` of an object node. */
export function member(node: JsonNode, name: string): JsonNode | undefined {
  if (node.kind !== 'object') return undefined;
  return node.entries.find((e) => JSON.parse(e.key.raw) === name)?.value;
}

/** The string content of a string token (decoded). */
export function stringValue(node: JsonNode | undefined): string | undefined {
  return node?.kind === 'string' ? (JSON.parse(node.raw) as string) : undefined;
}
