import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../src/bridge/cln/manifest.js';
import { hasFeature } from '../../src/bridge/cln/onion-path.js';
import { parseJson } from '../../src/rpc/json-reader.js';

const init = (options: Record<string, unknown>, conf: Record<string, unknown> = {}) =>
  parseJson(
    JSON.stringify({
      options,
      configuration: { 'lightning-dir': '/var/lib/ln/bitcoin', 'rpc-file': 'lightning-rpc', startup: false, network: 'bitcoin', ...conf },
    }),
  );

describe('invoiced-cln options at init', () => {
  it('defaults: the daemon socket of the node network under the home directory, 120 s hold, info, 60 s facts', () => {
    expect(readConfig(init({ 'invoiced-hold-seconds': 120, 'invoiced-log-level': 'info', 'invoiced-facts-interval': 60 }), '/home/op')).toEqual({
      lightningRpc: '/var/lib/ln/bitcoin/lightning-rpc',
      lightningDir: '/var/lib/ln/bitcoin',
      network: 'bitcoin',
      daemonRpc: '/home/op/.invoiced/bitcoin/invoice-rpc',
      holdMs: 120_000,
      logLevel: 'info',
      factsIntervalMs: 60_000,
      startup: false,
    });
  });

  it('invoiced-rpc-file: absolute, ~/, or relative to the node directory; rpc-file may be absolute', () => {
    const at = (f: string) => readConfig(init({ 'invoiced-rpc-file': f }, { 'rpc-file': '/run/ln/rpc' }), '/home/op');
    expect(at('/run/invoiced/invoice-rpc').daemonRpc).toBe('/run/invoiced/invoice-rpc');
    expect(at('~/.invoiced/bitcoin/invoice-rpc').daemonRpc).toBe('/home/op/.invoiced/bitcoin/invoice-rpc');
    expect(at('../invd/invoice-rpc').daemonRpc).toBe('/var/lib/ln/invd/invoice-rpc');
    expect(at('x').lightningRpc).toBe('/run/ln/rpc');
  });

  it('refuses what it cannot use, with the option named', () => {
    expect(() => readConfig(init({ 'invoiced-log-level': 'loud' }))).toThrow(new ConfigError('invoiced-log-level must be one of debug, info, warn, error, not loud'));
    expect(() => readConfig(init({ 'invoiced-hold-seconds': 0 }))).toThrow(new ConfigError('invoiced-hold-seconds must be a positive integer, not 0'));
    expect(() => readConfig(init({}, { network: 'liquid' }))).toThrow(
      new ConfigError('invoiced serves bitcoin, testnet, testnet4, signet, regtest, not liquid: set invoiced-rpc-file'),
    );
    expect(readConfig(init({ 'invoiced-rpc-file': '/s' }, { network: 'liquid' })).daemonRpc).toBe('/s');
    expect(() => readConfig(parseJson('{"options":{}}'))).toThrow(ConfigError);
  });
});

describe('feature bits', () => {
  it('option_onion_messages is bit 38 or 39 of the hex vector', () => {
    expect(hasFeature('8000000000', 39)).toBe(true); // bit 39 only
    expect(hasFeature('4000000000', 38)).toBe(true);
    expect(hasFeature('800898880a8a59a1', 38)).toBe(true);
    expect(hasFeature('2000000000', 38)).toBe(false); // bit 37
    expect(hasFeature('', 38)).toBe(false);
    expect(hasFeature(undefined, 38)).toBe(false);
  });
});
