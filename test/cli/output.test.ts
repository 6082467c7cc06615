import { describe, expect, it } from 'vitest';
import { JsonIncomplete, JsonInvalid, parseJsonDocument, parseJsonPrefix } from '../../src/cli/json-tree.js';
import { flatJson, formatResult, helpList, humanReadable, prettyJson, takeFormatHint } from '../../src/cli/output.js';

const doc = (s: string) => parseJsonDocument(s);

describe('invoice-cli JSON reading', () => {
  it('keeps token text exactly, including numbers above 2^53', () => {
    const n = doc('{"a":18446744073709551615,"b":"x\\u00e9\\n","c":[1.50,true,null]}');
    expect(prettyJson(n)).toBe('{\n   "a": 18446744073709551615,\n   "b": "x\\u00e9\\n",\n   "c": [\n      1.50,\n      true,\n      null\n   ]\n}');
  });

  it('tells truncated input from broken input', () => {
    for (const t of ['{"a":', '{"a":"b', '[1,', 'tru', '"\\u00', '{"a":1}'.slice(0, 6)])
      expect(() => parseJsonPrefix(t), t).toThrow(JsonIncomplete);
    for (const t of ['{a:1}', '[1,]', '{"a" 1}', 'nul!', '"\\x"', '-'])
      expect(() => parseJsonPrefix(t + ' '), t).toThrow(JsonInvalid);
    expect(parseJsonPrefix('{"a":1}\n\n{"b":2}').end).toBe(7);
  });
});

describe('invoice-cli output formats', () => {
  const result = doc('{"invoices":[{"label":"a\\tb","amount_msat":5,"nested":{"x":[1,2]}}]}');

  it('-J prints three-space indented JSON with empty containers inline', () => {
    expect(prettyJson(doc('{"a":[],"b":{}}'))).toBe('{\n   "a": [],\n   "b": {}\n}');
  });

  it('-H elides single-field objects and expands \\t and \\n', () => {
    expect(humanReadable(result)).toBe('label=a\tb\namount_msat=5\nnested=1\n2\n');
    expect(humanReadable(doc('{"a":"x\\"y","b":1}'))).toBe('a=x"y\nb=1\n');
  });

  it('-F prints dotted paths with array indexes', () => {
    expect(flatJson(result)).toBe(
      'invoices[0].label=a\\tb\ninvoices[0].amount_msat=5\ninvoices[0].nested.x[0]=1\ninvoices[0].nested.x[1]=2\n',
    );
  });

  it('-R prints the token as received', () => {
    expect(formatResult(doc('{"a": 1 ,"b":[ 2 ]}'), 'raw')).toBe('{"a": 1 ,"b":[ 2 ]}\n');
  });

  it('drops the format hint and reports whether it asked for human output', () => {
    const h = takeFormatHint(doc('{"help":[{"command":"stop"}],"format-hint":"simple"}'));
    expect(h.simple).toBe(true);
    expect(prettyJson(h.result)).toBe('{\n   "help": [\n      {\n         "command": "stop"\n      }\n   ]\n}');
    expect(takeFormatHint(doc('{"a":1}')).simple).toBe(false);
  });

  it('prints a bare help as a sorted list', () => {
    const help = doc('{"help":[{"command":"stop"},{"command":"invoice amount_msat label description [expiry]"}],"format-hint":"simple"}');
    expect(helpList(help)).toBe(
      'invoice amount_msat label description [expiry]\n\nstop\n\n---\nrun `invoice-cli help <command>` for more information on a specific command\n',
    );
  });
});
