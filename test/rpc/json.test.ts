import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { JsonSyntaxError, parseJson, rawText, toPlain, MAX_DEPTH, type JsonNode } from '../../src/rpc/json-reader.js';
import { RawJson, writeJson } from '../../src/rpc/json-writer.js';
import { JsonFramer, type Frame } from '../../src/rpc/json-framer.js';

describe('parseJson', () => {
  it('keeps integers above 2^53 exact, as text and as bigint', () => {
    const n = parseJson('{"a":18446744073709551615,"b":9007199254740993}');
    expect(toPlain(n)).toEqual({ a: 18446744073709551615n, b: 9007199254740993n });
    expect(toPlain(parseJson('[1, 2.5, -3]'))).toEqual([1, 2.5, -3]);
    expect(toPlain(parseJson('[1]'), 'always')).toEqual([1n]);
  });

  it('gives the raw token text, strings with their quotes', () => {
    const n = parseJson('[ "a\\"b" , 1e3 , {"x" : [true]} ]');
    if (n.kind !== 'array') throw new Error('array');
    expect(n.items.map(rawText)).toEqual(['"a\\"b"', '1e3', '{"x" : [true]}']);
    expect(n.items[1]).toMatchObject({ kind: 'number', text: '1e3', integer: false });
  });

  it('keeps duplicate members in order', () => {
    const n = parseJson('{"a":1,"a":2}');
    expect(n.kind === 'object' && n.members.map(([k, v]) => [k, rawText(v)])).toEqual([['a', '1'], ['a', '2']]);
  });

  it('flags \\u escapes and decodes them, surrogate pairs included', () => {
    const n = parseJson('["\\u00e9\\ud83d\\ude00", "plain\\n"]') as Extract<JsonNode, { kind: 'array' }>;
    expect(n.items[0]).toMatchObject({ value: 'é😀', unicodeEscape: true });
    expect(n.items[1]).toMatchObject({ value: 'plain\n', unicodeEscape: false });
  });

  it.each([
    ['[', 'Unexpected end'],
    ['{', 'Expected string key'],
    ['{"a" 1}', "Expected ':'"],
    ['[1,]', 'Unexpected character'],
    ['{"a":1,}', 'Expected string key'],
    ['"abc', 'Unterminated string'],
    ['"a\u0001"', 'Control character'],
    ['"\\x"', 'Invalid escape'],
    ['01', 'Unexpected data'],
    ['tru', 'Invalid literal'],
    ['NaN', 'Unexpected character'],
    ['{} {}', 'Unexpected data'],
  ])('refuses %j (%s)', (text, msg) => {
    expect(() => parseJson(text)).toThrow(JsonSyntaxError);
    expect(() => parseJson(text)).toThrow(msg);
  });

  it('refuses nesting deeper than MAX_DEPTH without overflowing the stack', () => {
    const deep = '['.repeat(MAX_DEPTH + 2) + ']'.repeat(MAX_DEPTH + 2);
    expect(() => parseJson(deep)).toThrow('nested too deeply');
    const ok = '['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH);
    expect(parseJson(ok).kind).toBe('array');
  });

  it('never lets "__proto__" reach the prototype', () => {
    const v = toPlain(parseJson('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
  });
});

describe('writeJson', () => {
  it('writes bigints as plain numbers, RawJson verbatim, skips undefined members', () => {
    expect(writeJson({ a: 2n ** 64n - 1n, id: new RawJson('"x:y#1"'), u: undefined, n: null, f: 1.5, arr: [1n, 'é'] })).toBe(
      '{"a":18446744073709551615,"id":"x:y#1","n":null,"f":1.5,"arr":[1,"é"]}',
    );
    expect(writeJson([NaN, Infinity, undefined])).toBe('[null,null,null]');
  });

  it('escapes member names as JSON.stringify does, however many distinct names it has seen', () => {
    const odd = { 'a"b': 1, 'c\\d': 2, '\n\u0001': 3, 'é ☕': 4, '': 5 };
    expect(writeJson(odd)).toBe(JSON.stringify(odd));
    expect(writeJson(odd)).toBe(JSON.stringify(odd)); // the second time from the names already escaped
    const many = Object.fromEntries(Array.from({ length: 6000 }, (_, i) => [`k"${i}`, i]));
    expect(writeJson(many)).toBe(JSON.stringify(many));
  });

  it('round-trips through parseJson with exact integers (property)', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string().filter((k) => k !== '__proto__'), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (v) => {
        expect(toPlain(parseJson(writeJson(v)), 'always')).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});

function frames(framer: JsonFramer): Frame[] {
  const out: Frame[] = [];
  for (let f = framer.next(); f; f = framer.next()) out.push(f);
  return out;
}

describe('JsonFramer', () => {
  it('splits concatenated objects, with or without whitespace between', () => {
    const f = new JsonFramer(1000);
    f.push(Buffer.from('{"a":1}{"b":"}{"}\n\n [ {"c":[2]} ]  {"d"'));
    expect(frames(f)).toEqual([
      { type: 'message', text: '{"a":1}' },
      { type: 'message', text: '{"b":"}{"}' },
      { type: 'message', text: '[ {"c":[2]} ]' },
    ]);
    f.push(Buffer.from(':"\\"}"}'));
    expect(frames(f)).toEqual([{ type: 'message', text: '{"d":"\\"}"}' }]);
  });

  it('assembles a request arriving byte by byte, multi-byte UTF-8 split across pushes', () => {
    const f = new JsonFramer(1000);
    const bytes = Buffer.from('{"label":"café ☕","x":[1,{"y":2}]}');
    const got: Frame[] = [];
    for (const b of bytes) {
      f.push(Uint8Array.of(b));
      got.push(...frames(f));
    }
    expect(got).toEqual([{ type: 'message', text: bytes.toString() }]);
    expect(f.buffered).toBe(0);
  });

  it('reports too-large as soon as more than the limit is buffered, then yields nothing', () => {
    const f = new JsonFramer(16);
    f.push(Buffer.from('{"a":"0123456789'));
    expect(frames(f)).toEqual([]);
    f.push(Buffer.from('x'));
    expect(frames(f)).toEqual([{ type: 'too-large', limit: 16 }]);
    f.push(Buffer.from('"}{"b":1}'));
    expect(frames(f)).toEqual([]);
  });

  it('accepts a message of exactly the limit', () => {
    const f = new JsonFramer(9);
    f.push(Buffer.from('{"a":123}'));
    expect(frames(f)).toEqual([{ type: 'message', text: '{"a":123}' }]);
  });

  it('refuses a stream that does not start an object or array, and invalid UTF-8', () => {
    const a = new JsonFramer(100);
    a.push(Buffer.from('{"a":1} hello'));
    expect(frames(a)).toEqual([{ type: 'message', text: '{"a":1}' }, { type: 'malformed', reason: 'Expected a JSON object' }]);
    const b = new JsonFramer(100);
    b.push(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
    expect(frames(b)).toEqual([{ type: 'malformed', reason: 'Invalid UTF-8' }]);
  });

  it('keeps memory flat over many messages (buffer is compacted)', () => {
    const f = new JsonFramer(1 << 20);
    const msg = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"getinfo","params":[]}');
    for (let i = 0; i < 20_000; i++) {
      f.push(msg);
      expect(f.next()).toMatchObject({ type: 'message' });
    }
    expect(f.buffered).toBe(0);
  });
});
