import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/daemon/config-file.js';
import { parseArgv, redactUrl, resolveConfig, type DaemonConfig } from '../../src/daemon/config.js';
import { ConfigError, OPTIONS, USAGE_WIDTH, usageText } from '../../src/daemon/options.js';

const HOME = '/home/alice';
const files = (map: Record<string, string>) => ({
  home: HOME,
  cwd: '/work',
  readFile: (p: string) => map[p],
});

function run(argv: string[], map: Record<string, string> = {}): DaemonConfig {
  const r = resolveConfig(argv, files(map));
  if (r.action !== 'run') throw new Error(`expected run, got ${r.action}`);
  return r.config;
}

function fails(argv: string[], map: Record<string, string> = {}): string {
  try {
    resolveConfig(argv, files(map));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('daemon config', () => {
  it('applies the documented defaults', () => {
    const c = run([]);
    expect(c).toMatchObject({
      datadir: '/home/alice/.invoiced',
      network: 'bitcoin',
      networkDir: '/home/alice/.invoiced/bitcoin',
      rpcFile: '/home/alice/.invoiced/bitcoin/invoice-rpc',
      rpcFileMode: 0o600,
      database: { kind: 'sqlite', path: '/home/alice/.invoiced/bitcoin/invoices.sqlite3' },
      logLevel: 'info',
      cltvFinal: 18,
      datadirIsDefault: true,
      hsmSecret: '/home/alice/.invoiced/bitcoin/hsm_secret',
      sharedHsmSecret: '/home/alice/.invoiced/hsm_secret',
      invoiceExpiry: 3600n,
      mppTimeout: 70,
      maxRequestSize: 4 * 1024 * 1024,
      autoclean: { cycle: 3600n, expiredinvoicesAge: 0n, paidinvoicesAge: 0n },
      developer: false,
    });
    expect(c.logFile).toBeUndefined();
  });

  it('derives network-dependent defaults and resolves relative paths', () => {
    const c = run(['--datadir=data', '--network', 'regtest', '--rpc-file=sock', '--database=db.sqlite3']);
    expect(c.datadir).toBe('/work/data');
    expect(c.datadirIsDefault).toBe(false);
    expect(c.hsmSecret).toBe('/work/data/regtest/hsm_secret');
    expect(c.sharedHsmSecret).toBe('/work/data/hsm_secret');
    // An explicit --hsm-secret is used as given (relative: under the datadir), with no shared fallback.
    const h = run(['--datadir=data', '--hsm-secret=keys/node']);
    expect(h.hsmSecret).toBe('/work/data/keys/node');
    expect(h.sharedHsmSecret).toBeUndefined();
    expect(c.cltvFinal).toBe(10);
    expect(c.rpcFile).toBe('/work/data/regtest/sock');
    expect(c.database).toEqual({ kind: 'sqlite', path: '/work/data/regtest/db.sqlite3' });
    expect(run(['--datadir=~/x']).datadir).toBe('/home/alice/x');
    expect(run(['--database=sqlite3:///var/db/i.sqlite3']).database).toEqual({ kind: 'sqlite', path: '/var/db/i.sqlite3' });
    expect(run(['--database=postgres://u:pw@h/db']).database).toEqual({ kind: 'postgres', url: 'postgres://u:pw@h/db' });
    expect(run(['--database=postgres://h/db?schema=inv_1&sslmode=disable']).database).toEqual({
      kind: 'postgres',
      url: 'postgres://h/db?sslmode=disable',
      schema: 'inv_1',
    });
    expect(fails(['--database=postgres://h/db?schema=Bad-Name'])).toBe(
      "--database: schema should be lowercase letters, digits and _, not 'Bad-Name'",
    );
  });

  it('reads the config file, and the command line wins', () => {
    const cfg = '# comment\n\nnetwork=signet\nlog-level = debug\ninvoice-expiry=60\ndeveloper\nrpc-file-mode=0660\n';
    const c = run(['--log-level=warn'], { '/home/alice/.invoiced/config': cfg });
    expect(c.network).toBe('signet');
    expect(c.logLevel).toBe('warn');
    expect(c.invoiceExpiry).toBe(60n);
    expect(c.developer).toBe(true);
    expect(c.rpcFileMode).toBe(0o660);
    expect(c.rpcFile).toBe('/home/alice/.invoiced/signet/invoice-rpc');
  });

  it('answers --help and --version before anything else', () => {
    expect(resolveConfig(['--network=regtest', '--help'], files({})).action).toBe('help');
    expect(resolveConfig(['-V'], files({})).action).toBe('version');
    // A broken config file does not stop --help.
    expect(resolveConfig(['-h'], files({ '/home/alice/.invoiced/config': 'garbage line' })).action).toBe('help');
    const usage = usageText('0.1.0');
    for (const o of OPTIONS) expect(usage).toContain(`--${o.name}`);
  });

  it('wraps --help at 100 columns, keeping every word', () => {
    const usage = usageText('0.1.0');
    const long = usage.split('\n').filter((l) => l.length > USAGE_WIDTH);
    expect(long).toEqual([]);
    const words = (s: string) => s.split(/\s+/).filter(Boolean);
    for (const o of OPTIONS) {
      const tail = words(usage.slice(usage.indexOf(`--${o.name}`))).slice(1, 1 + words(o.help).length).join(' ');
      expect(tail).toBe(words(o.help).join(' '));
    }
  });

  it('names the config file line in checks across options', () => {
    const f = '/home/alice/.invoiced/config';
    expect(fails([], { [f]: 'max-request-size=10' })).toBe(`${f} line 1: --max-request-size: should be at least 1024 bytes`);
    expect(fails([], { [f]: '\ndev-clock-offset=5' })).toBe(`${f} line 2: --dev-clock-offset: requires --developer`);
    expect(fails([], { [f]: 'database=postgres://h/db?schema=Bad' })).toBe(
      `${f} line 1: --database: schema should be lowercase letters, digits and _, not 'Bad'`,
    );
    // From the command line, the option alone.
    expect(fails(['--max-request-size=10'], { [f]: 'max-request-size=2000' })).toBe('--max-request-size: should be at least 1024 bytes');
  });

  it.each([
    [['--netwrk=regtest'], "unknown option '--netwrk' (see --help)"],
    [['regtest'], "unexpected argument 'regtest' (options are written --name=value)"],
    [['--network=mainnet'], "--network: should be one of bitcoin, testnet, testnet4, signet, regtest, not 'mainnet'"],
    [['--rpc-file-mode=0800'], "--rpc-file-mode: should be octal permissions such as 0600 or 0660, not '0800'"],
    [['--rpc-file-mode=1777'], "--rpc-file-mode: should be octal permissions such as 0600 or 0660, not '1777'"],
    [['--cltv-final=-1'], "--cltv-final: should be an unsigned 32 bit integer, not '-1'"],
    [['--cltv-final=4294967296'], "--cltv-final: should be an unsigned 32 bit integer, not '4294967296'"],
    [['--invoice-expiry=1e3'], "--invoice-expiry: should be an unsigned 64 bit integer, not '1e3'"],
    [['--log-level=verbose'], "--log-level: should be one of trace, debug, info, warn, error, fatal, silent, not 'verbose'"],
    [['--database=mysql://x/y'], "--database: unsupported scheme in 'mysql://x/y' (use a path, sqlite3://path or postgres://)"],
    [['--network'], '--network: needs a value'],
    [['--developer=yes'], "--developer: takes no value (or true/false), not 'yes'"],
    [['--dev-clock-offset=10'], '--dev-clock-offset: requires --developer'],
    [['--max-request-size=10'], '--max-request-size: should be at least 1024 bytes'],
  ])('rejects %j', (argv, message) => {
    expect(fails(argv)).toBe(message);
  });

  it('names the config file line of a bad setting', () => {
    const f = '/home/alice/.invoiced/config';
    expect(fails([], { [f]: 'network=regtest\nfoo=1' })).toBe(`${f} line 2: unknown option 'foo'`);
    expect(fails([], { [f]: 'datadir=/x' })).toBe(`${f} line 1: 'datadir' can only be given on the command line`);
    expect(fails([], { [f]: 'cltv-final=x' })).toBe(`${f} line 1: --cltv-final: should be an unsigned 32 bit integer, not 'x'`);
    expect(fails([], { [f]: '=5' })).toBe(`${f} line 1: expected key=value, got '=5'`);
  });

  it('rejects a socket path longer than sun_path', () => {
    expect(fails([`--rpc-file=/${'x'.repeat(120)}`])).toMatch(/^--rpc-file: socket path too long/);
  });

  it('parses argv forms', () => {
    expect(parseArgv(['--a-b=1=2'].map((s) => s.replace('a-b', 'network')))).toEqual([
      { name: 'network', value: '1=2', origin: '--network' },
    ]);
    expect(parseConfigFile('x=1\r\n y = 2 \n')).toEqual([
      { name: 'x', value: '1', origin: 'config line 1' },
      { name: 'y', value: '2', origin: 'config line 2' },
    ]);
  });

  it('hides database passwords', () => {
    expect(redactUrl('postgres://user:s3cret@db:5432/inv')).toBe('postgres://user:***@db:5432/inv');
    expect(redactUrl('postgres://user@db/inv')).toBe('postgres://user@db/inv');
  });
});
