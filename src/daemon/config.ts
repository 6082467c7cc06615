/**
 * From argv and `<datadir>/config` to a checked `DaemonConfig`. The command line wins over the file.
 * Pure: the file reader, home and working directory are passed in, so tests need no real files.
 */
import * as path from 'node:path';
import { DEFAULT_CLTV_FINAL, type Network } from '../util/network.js';
import { parseConfigFile, ConfigFileError, type ConfigEntry } from './config-file.js';
import { ConfigError, findOption, parseOptionValue, type LogFormat, type LogLevel } from './options.js';
import { configFilePath, defaultDatadir, expandPath, networkDir, rpcFilePath } from './paths.js';
import { eventsConfig, type EventsConfig } from './events-config.js';

/** Where invoices are stored. */
export type DatabaseTarget =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      /** Without the `schema` parameter. */
      readonly url: string;
      /** From `?schema=name`: the PostgreSQL schema to live in (created if missing). */
      readonly schema?: string;
    };

export interface AutocleanConfig {
  readonly cycle: bigint;
  readonly expiredinvoicesAge: bigint;
  readonly paidinvoicesAge: bigint;
}

/** Everything the daemon needs to start, all checked and with defaults applied. */
export interface DaemonConfig {
  readonly datadir: string;
  /** No --datadir was given (the default may be created with its parents). */
  readonly datadirIsDefault: boolean;
  readonly network: Network;
  /** `<datadir>/<network>`. */
  readonly networkDir: string;
  readonly rpcFile: string;
  readonly rpcFileMode: number;
  readonly database: DatabaseTarget;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat | 'auto';
  readonly logFile?: string;
  readonly cltvFinal: number;
  /** `--hsm-secret`, else `<datadir>/<network>/hsm_secret`. */
  readonly hsmSecret: string;
  /**
   * Without --hsm-secret: `<datadir>/hsm_secret`, where earlier versions kept one secret for every
   * network; used (with a warning) when `hsmSecret` does not exist but this does.
   */
  readonly sharedHsmSecret?: string;
  /** Seconds. */
  readonly invoiceExpiry: bigint;
  /** Seconds. */
  readonly mppTimeout: number;
  /** Hold invoices: `--holdinvoice-cancel-before-htlc-expiry` (blocks), `…-invoice-expiry` (seconds). */
  readonly holdCancelBeforeHtlcExpiry: number;
  readonly holdCancelBeforeInvoiceExpiry: number;
  readonly maxRequestSize: number;
  readonly autoclean: AutocleanConfig;
  readonly developer: boolean;
  /** Seconds added to real time (developer only; for tests of expiry across restarts). */
  readonly devClockOffset: bigint;
  /** Developer only: die between a payment's commit and its answer (crash-safety tests). */
  readonly devCrashAfterPay: boolean;
  /** The event feed, webhooks and metrics (src/daemon/events-setup.ts). */
  readonly events: EventsConfig;
  /** Developer only: die between an invoice's commit and its answer (idempotent-retry tests). */
  readonly devCrashAfterCreate: boolean;
}

/** What the command line asked for. */
export type StartupRequest =
  | { readonly action: 'help' }
  | { readonly action: 'version' }
  | { readonly action: 'run'; readonly config: DaemonConfig };

export interface ResolveDeps {
  readonly home: string;
  readonly cwd: string;
  /** Returns the file's text, or undefined when it does not exist. */
  readonly readFile: (path: string) => string | undefined;
}

const SHORT: Readonly<Record<string, string>> = { h: 'help', V: 'version' };

/** Splits argv (without node and script) into entries: `--name=value`, `--name value`, `--flag`, `-h`, `-V`. */
export function parseArgv(argv: readonly string[]): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const short = /^-([A-Za-z])$/.exec(arg);
    if (short && SHORT[short[1]!]) {
      out.push({ name: SHORT[short[1]!]!, value: '', origin: arg });
      continue;
    }
    const long = /^--([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!long) throw new ConfigError(`unexpected argument '${arg}' (options are written --name=value)`);
    const name = long[1]!;
    const spec = findOption(name);
    if (!spec) throw new ConfigError(`unknown option '--${name}' (see --help)`);
    let value = long[2];
    if (value === undefined && spec.kind !== 'flag') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new ConfigError(`--${name}: needs a value`);
      value = next;
      i++;
    }
    out.push({ name, value: value ?? '', origin: `--${name}` });
  }
  return out;
}

/** Checks entries and returns name → parsed value; later entries override earlier ones. */
function checkEntries(entries: readonly ConfigEntry[], fromFile: boolean): Map<string, ReturnType<typeof parseOptionValue> | string[]> {
  const values = new Map<string, ReturnType<typeof parseOptionValue> | string[]>();
  for (const e of entries) {
    const spec = findOption(e.name);
    if (!spec) throw new ConfigError(`${e.origin}: unknown option '${e.name}'`);
    if (fromFile && spec.cliOnly) throw new ConfigError(`${e.origin}: '${e.name}' can only be given on the command line`);
    try {
      const v = parseOptionValue(spec, e.value);
      const had = values.get(e.name);
      values.set(e.name, spec.repeatable ? [...(Array.isArray(had) ? had : []), String(v)] : v);
    } catch (err) {
      if (err instanceof ConfigError && fromFile) throw new ConfigError(`${e.origin}: ${err.message}`);
      throw err;
    }
  }
  return values;
}

/** Reads the database option: a postgres URL, `sqlite3://path`, or a plain path. */
function databaseTarget(text: string | undefined, netDir: string, home: string): DatabaseTarget {
  if (text === undefined) return { kind: 'sqlite', path: path.join(netDir, 'invoices.sqlite3') };
  if (/^postgres(ql)?:\/\//i.test(text)) {
    let u: URL;
    try {
      u = new URL(text);
    } catch {
      throw new ConfigError(`--database: not a valid URL: '${redactUrl(text)}'`);
    }
    const schema = u.searchParams.get('schema');
    if (schema === null) return { kind: 'postgres', url: text };
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError(`--database: schema should be lowercase letters, digits and _, not '${schema}'`);
    }
    u.searchParams.delete('schema');
    return { kind: 'postgres', url: u.toString(), schema };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.startsWith('sqlite3://')) {
    throw new ConfigError(`--database: unsupported scheme in '${redactUrl(text)}' (use a path, sqlite3://path or postgres://)`);
  }
  const file = text.startsWith('sqlite3://') ? text.slice('sqlite3://'.length) : text;
  if (file === '') throw new ConfigError('--database: empty path');
  return { kind: 'sqlite', path: expandPath(file, home, netDir) };
}

/** Hides a password in a database URL (for logs and messages). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:***@');
}

/** Text form of a database target, password hidden. */
export function describeDatabase(db: DatabaseTarget): string {
  if (db.kind === 'sqlite') return db.path;
  return redactUrl(db.url) + (db.schema !== undefined ? ` (schema ${db.schema})` : '');
}

/**
 * Resolves argv plus the config file into a startup request. Throws ConfigError with a message meant
 * for the operator.
 */
export function resolveConfig(argv: readonly string[], deps: ResolveDeps): StartupRequest {
  const cli = checkEntries(parseArgv(argv), false);
  if (cli.get('help') === true) return { action: 'help' };
  if (cli.get('version') === true) return { action: 'version' };

  const datadirText = cli.get('datadir');
  const datadir =
    typeof datadirText === 'string' ? expandPath(datadirText, deps.home, deps.cwd) : defaultDatadir(deps.home);
  const cfgPath = configFilePath(datadir);
  let fileEntries: ConfigEntry[] = [];
  const text = deps.readFile(cfgPath);
  if (text !== undefined) {
    try {
      fileEntries = parseConfigFile(text, cfgPath);
    } catch (err) {
      if (err instanceof ConfigFileError) throw new ConfigError(err.message);
      throw err;
    }
  }
  const file = checkEntries(fileEntries, true);
  const get = (name: string) => (cli.has(name) ? cli.get(name) : file.get(name));
  // Checks across options below name the config file's line when the value came from there.
  const fileOrigin = new Map(fileEntries.map((e) => [e.name, e.origin] as const));
  const where = (name: string) => (!cli.has(name) && fileOrigin.has(name) ? `${fileOrigin.get(name)}: ` : '');
  const fail = (name: string, message: string): never => {
    throw new ConfigError(`${where(name)}${message}`);
  };
  const str = (name: string) => get(name) as string | undefined;
  const u64 = (name: string, dflt: bigint) => (get(name) as bigint | undefined) ?? dflt;
  const u32 = (name: string, dflt: number) => (get(name) as number | undefined) ?? dflt;

  const network = (str('network') ?? 'bitcoin') as Network;
  const netDir = networkDir(datadir, network);
  const developer = get('developer') === true;
  const devClockOffset = u64('dev-clock-offset', 0n);
  if (devClockOffset !== 0n && !developer) fail('dev-clock-offset', '--dev-clock-offset: requires --developer');
  const devCrashAfterPay = get('dev-crash-after-pay') === true;
  if (devCrashAfterPay && !developer) fail('dev-crash-after-pay', '--dev-crash-after-pay: requires --developer');
  const devCrashAfterCreate = get('dev-crash-after-create') === true;
  if (devCrashAfterCreate && !developer) fail('dev-crash-after-create', '--dev-crash-after-create: requires --developer');
  const maxRequestSize = u32('max-request-size', 4 * 1024 * 1024);
  if (maxRequestSize < 1024) fail('max-request-size', '--max-request-size: should be at least 1024 bytes');
  const hsm = str('hsm-secret');
  const logFile = str('log-file');
  const rpcFile = rpcFilePath(datadir, network, str('rpc-file'), deps.home);
  // sun_path holds 108 bytes including the terminating NUL.
  if (Buffer.byteLength(rpcFile) > 107) fail('rpc-file', `--rpc-file: socket path too long (max 107 bytes): ${rpcFile}`);

  let database: DatabaseTarget;
  try {
    database = databaseTarget(str('database'), netDir, deps.home);
  } catch (err) {
    if (err instanceof ConfigError) fail('database', err.message);
    throw err;
  }

  const config: DaemonConfig = {
    datadir,
    datadirIsDefault: typeof datadirText !== 'string',
    network,
    networkDir: netDir,
    rpcFile,
    rpcFileMode: u32('rpc-file-mode', 0o600),
    database,
    logLevel: (str('log-level') ?? 'info') as LogLevel,
    logFormat: (str('log-format') ?? 'auto') as LogFormat | 'auto',
    ...(logFile !== undefined ? { logFile: expandPath(logFile, deps.home, netDir) } : {}),
    cltvFinal: u32('cltv-final', DEFAULT_CLTV_FINAL[network]),
    hsmSecret: hsm !== undefined ? expandPath(hsm, deps.home, datadir) : path.join(netDir, 'hsm_secret'),
    ...(hsm === undefined ? { sharedHsmSecret: path.join(datadir, 'hsm_secret') } : {}),
    invoiceExpiry: u64('invoice-expiry', 3600n),
    mppTimeout: u32('mpp-timeout', 70),
    holdCancelBeforeHtlcExpiry: u32('holdinvoice-cancel-before-htlc-expiry', 6),
    holdCancelBeforeInvoiceExpiry: u32('holdinvoice-cancel-before-invoice-expiry', 1800),
    maxRequestSize,
    autoclean: {
      cycle: u64('autoclean-cycle', 3600n),
      expiredinvoicesAge: u64('autoclean-expiredinvoices-age', 0n),
      paidinvoicesAge: u64('autoclean-paidinvoices-age', 0n),
    },
    developer,
    devClockOffset,
    devCrashAfterPay,
    events: eventsConfig(get, developer),
    devCrashAfterCreate,
  };
  return { action: 'run', config: Object.freeze(config) };
}
