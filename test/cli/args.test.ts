import { describe, expect, it } from 'vitest';
import { buildRequest, isLiteral, parseCliArgs, requestId, UsageError } from '../../src/cli/args.js';
import { parseJsonDocument } from '../../src/cli/json-tree.js';

describe('invoice-cli arguments', () => {
  it('detects literals as lightning-cli does', () => {
    for (const lit of ['0', '1', '12.5', '1.2.3', 'true', 'false', 'null', '{"a":1}', '[1,2]', '"quoted"', '[xxx]'])
      expect(isLiteral(lit), lit).toBe(true);
    for (const s of ['', '01', '007', 'any', 'True', '-1', '1sat', '{x', 'x}', '"half', 'null '])
      expect(isLiteral(s), s).toBe(false);
  });

  it('builds positional requests, quoting what is not literal', () => {
    const r = buildRequest('invoice', ['1000', 'my "label"', 'a\nb', '01', 'null'], 'auto', 'cli:invoice#7');
    expect(JSON.parse(r)).toEqual({
      jsonrpc: '2.0',
      method: 'invoice',
      id: 'cli:invoice#7',
      params: [1000, 'my "label"', 'a\nb', '01', null],
    });
  });

  it('switches to key=value when the first param has =, or with -k', () => {
    const auto = JSON.parse(buildRequest('listinvoices', ['label=x=y', 'limit=2'], 'auto', 'i'));
    expect(auto.params).toEqual({ label: 'x=y', limit: 2 });
    const ordered = JSON.parse(buildRequest('invoice', ['1', 'a=b', 'c'], 'ordered', 'i'));
    expect(ordered.params).toEqual([1, 'a=b', 'c']);
    expect(() => buildRequest('x', ['a=1', 'b'], 'keywords', 'i')).toThrow(new UsageError("Expected key=value in 'b'"));
    expect(JSON.parse(buildRequest('help', [], 'keywords', 'i')).params).toEqual({});
  });

  it('adds the filter member verbatim', () => {
    const r = JSON.parse(buildRequest('listinvoices', [], 'auto', 'i', '{"invoices":[{"label":true}]}'));
    expect(r.filter).toEqual({ invoices: [{ label: true }] });
  });

  it('leaves a malformed literal for the caller to reject', () => {
    const r = buildRequest('invoice', ['[xxx]'], 'auto', 'i');
    expect(() => parseJsonDocument(r)).toThrow();
  });

  it('parses options anywhere before --, and negative numbers as params', () => {
    const a = parseCliArgs(['-k', 'listinvoices', '--network=regtest', '-H', 'label=x', '--datadir', '/d', '-l', '{}']);
    expect(a).toMatchObject({ mode: 'keywords', format: 'human', network: 'regtest', datadir: '/d', filter: '{}' });
    expect(a.words).toEqual(['listinvoices', 'label=x']);
    expect(parseCliArgs(['invoice', '-5', '--', '-J']).words).toEqual(['invoice', '-5', '-J']);
    expect(() => parseCliArgs(['--bogus'])).toThrow(new UsageError('--bogus: unrecognized option'));
    expect(() => parseCliArgs(['--filter'])).toThrow(new UsageError('--filter: requires an argument'));
  });

  it('makes CLN-style ids', () => {
    expect(requestId('invoice', 42)).toBe('cli:invoice#42');
    expect(requestId('we"ird', 42)).toBe('cli:weirdmethod!#42');
  });
});
