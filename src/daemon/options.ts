/**
 * The daemon's options: one table from which the command-line parser, the config-file parser, `--help`
 * and docs/daemon.md are all derived. Values arrive as strings (from argv or `key=value` lines) and are
 * checked here, so a bad value stops the daemon with a clear message before anything starts.
 */
import { NETWORKS } from '../util/network.js';

/** How an option's text is read. */
export type OptionKind = 'string' | 'path' | 'network' | 'mode' | 'u32' | 'u64' | 'level' | 'log-format' | 'flag';

export interface OptionSpec {
  readonly name: string;
  readonly kind: OptionKind;
  /** Placeholder shown by `--help` (`--name=<arg>`). */
  readonly arg?: string;
  /** The default as documented (the real default may depend on other options). */
  readonly defaultText?: string;
  readonly help: string;
  /** Only on the command line (not in the config file). */
  readonly cliOnly?: boolean;
  /** May be given several times; every value is kept, in order. */
  readonly repeatable?: boolean;
}

/** pino's levels, plus `silent`. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** How log lines are written; `auto` (the option's default) picks pretty on a terminal. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormat = Exclude<(typeof LOG_FORMATS)[number], 'auto'>;

/** Every option, in the order `--help` lists them. */
export const OPTIONS: readonly OptionSpec[] = [
  { name: 'datadir', kind: 'path', arg: 'dir', defaultText: '~/.invoiced', cliOnly: true,
    help: 'Base directory; the config file lives here, everything else (node key, socket, database) in <datadir>/<network>' },
  { name: 'network', kind: 'network', arg: 'net', defaultText: 'bitcoin',
    help: `Bitcoin network: ${NETWORKS.join(', ')}` },
  { name: 'rpc-file', kind: 'path', arg: 'path', defaultText: '<datadir>/<network>/invoice-rpc',
    help: 'JSON-RPC Unix socket (relative paths are under <datadir>/<network>)' },
  { name: 'rpc-file-mode', kind: 'mode', arg: 'octal', defaultText: '0600',
    help: 'Permissions of the socket file, as octal digits (0660 lets the group in)' },
  { name: 'database', kind: 'string', arg: 'path|url', defaultText: '<datadir>/<network>/invoices.sqlite3',
    help: 'SQLite file (path or sqlite3://path) or a postgres:// URL' },
  { name: 'log-level', kind: 'level', arg: 'level', defaultText: 'info', help: `One of ${LOG_LEVELS.join(', ')}` },
  { name: 'log-format', kind: 'log-format', arg: 'format', defaultText: 'auto',
    help: 'json, pretty (readable lines in local time) or auto: pretty on a terminal, else json (files, pipes, journald)' },
  { name: 'log-file', kind: 'path', arg: 'path', defaultText: 'standard output',
    help: 'Write JSON log lines to this file (reopened on SIGHUP)' },
  { name: 'cltv-final', kind: 'u32', arg: 'blocks', defaultText: '18 on bitcoin, 10 elsewhere',
    help: 'min_final_cltv_expiry put in invoices and required of incoming payments' },
  { name: 'hsm-secret', kind: 'path', arg: 'path', defaultText: '<datadir>/<network>/hsm_secret',
    help: "Node secret file: your Lightning node's own, to be paid (created with mode 0400 when missing)" },
  { name: 'invoice-expiry', kind: 'u64', arg: 'seconds', defaultText: '3600',
    help: 'Default expiry of new invoices' },
  { name: 'mpp-timeout', kind: 'u32', arg: 'seconds', defaultText: '70',
    help: 'How long parts of a multi-part payment wait for the rest' },
  { name: 'holdinvoice-cancel-before-htlc-expiry', kind: 'u32', arg: 'blocks', defaultText: '6',
    help: 'Cancel an accepted hold invoice this many blocks before its HTLCs expire' },
  { name: 'holdinvoice-cancel-before-invoice-expiry', kind: 'u32', arg: 'seconds', defaultText: '1800',
    help: 'An open hold invoice takes no more HTLCs (and is canceled) this long before it expires' },
  { name: 'max-request-size', kind: 'u32', arg: 'bytes', defaultText: '4194304',
    help: 'Largest JSON-RPC request accepted; a larger one is refused and its connection closed' },
  { name: 'autoclean-cycle', kind: 'u64', arg: 'seconds', defaultText: '3600',
    help: 'How often autoclean runs' },
  { name: 'autoclean-expiredinvoices-age', kind: 'u64', arg: 'seconds', defaultText: '0 (off)',
    help: 'Delete expired invoices this long after they expired' },
  { name: 'autoclean-paidinvoices-age', kind: 'u64', arg: 'seconds', defaultText: '0 (off)',
    help: 'Delete paid invoices this long after they were paid' },
  { name: 'autoclean-events-age', kind: 'u64', arg: 'seconds', defaultText: '0 (off)',
    help: 'Delete feed events this long after they happened (not before their webhooks are done)' },
  { name: 'webhook', kind: 'string', arg: '[types@]url', repeatable: true,
    help: 'POST every event (or only the comma-separated types, e.g. invoice_paid,offer_*) to this http(s) URL; repeatable' },
  { name: 'webhook-retry-for', kind: 'u64', arg: 'seconds', defaultText: '86400',
    help: 'How long a webhook delivery is retried before it is given up' },
  { name: 'webhook-nice', kind: 'u32', arg: '0-19', defaultText: '19',
    help: 'Nice value of the thread making webhook POSTs (Linux): 19 gives RPC the CPU first, 0 the same priority' },
  { name: 'metrics', kind: 'string', arg: 'host:port',
    help: 'Serve Prometheus metrics at http://host:port/metrics (off unless given)' },
  { name: 'developer', kind: 'flag',
    help: 'Enable developer-only behaviour (dev-* commands and options, for tests)' },
  { name: 'dev-clock-offset', kind: 'u64', arg: 'seconds', defaultText: '0',
    help: 'With --developer: start the clock this many seconds ahead of real time' },
  { name: 'dev-webhook-timeout', kind: 'u32', arg: 'ms', defaultText: '10000',
    help: 'With --developer: time limit of one webhook attempt' },
  { name: 'dev-crash-after-pay', kind: 'flag',
    help: 'With --developer: SIGKILL the daemon right after a payment commits, before answering its HTLCs' },
  { name: 'dev-crash-after-create', kind: 'flag',
    help: 'With --developer: SIGKILL the daemon right after an invoice is committed, before answering' },
  { name: 'help', kind: 'flag', cliOnly: true, help: 'Print this message and exit' },
  { name: 'version', kind: 'flag', cliOnly: true, help: 'Print the version and exit' },
];

const BY_NAME = new Map(OPTIONS.map((o) => [o.name, o] as const));

/** Looks an option up by its name (without dashes). */
export function findOption(name: string): OptionSpec | undefined {
  return BY_NAME.get(name);
}

/** A bad option or value; main prints the message and exits 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const U32_MAX = 0xffff_ffffn;
const U64_MAX = (1n << 64n) - 1n;

/** Parses a decimal unsigned integer up to `max`, with a message naming the option. */
function parseUnsigned(name: string, text: string, max: bigint, what: string): bigint {
  if (!/^[0-9]+$/.test(text) || BigInt(text) > max) {
    throw new ConfigError(`--${name}: should be an unsigned ${what} integer, not '${text}'`);
  }
  return BigInt(text);
}

/** Checks one value of `spec`'s kind; returns it in the form the config wants. */
export function parseOptionValue(spec: OptionSpec, text: string): string | number | bigint | boolean {
  const { name } = spec;
  switch (spec.kind) {
    case 'flag':
      // A flag may be written `--developer`, `developer` or `developer=true|false`.
      if (text === '' || text === 'true') return true;
      if (text === 'false') return false;
      throw new ConfigError(`--${name}: takes no value (or true/false), not '${text}'`);
    case 'string':
    case 'path':
      if (text === '') throw new ConfigError(`--${name}: needs a value`);
      return text;
    case 'network':
      if (!(NETWORKS as readonly string[]).includes(text)) {
        throw new ConfigError(`--network: should be one of ${NETWORKS.join(', ')}, not '${text}'`);
      }
      return text;
    case 'level':
      if (!(LOG_LEVELS as readonly string[]).includes(text)) {
        throw new ConfigError(`--log-level: should be one of ${LOG_LEVELS.join(', ')}, not '${text}'`);
      }
      return text;
    case 'log-format':
      if (!(LOG_FORMATS as readonly string[]).includes(text)) {
        throw new ConfigError(`--log-format: should be one of ${LOG_FORMATS.join(', ')}, not '${text}'`);
      }
      return text;
    case 'mode': {
      // As CLN's rpc-file-mode: octal digits, e.g. 0600 or 660; nothing beyond 0777.
      if (!/^[0-7]{3,4}$/.test(text) || parseInt(text, 8) > 0o777) {
        throw new ConfigError(`--${name}: should be octal permissions such as 0600 or 0660, not '${text}'`);
      }
      return parseInt(text, 8);
    }
    case 'u32':
      return Number(parseUnsigned(name, text, U32_MAX, '32 bit'));
    case 'u64':
      return parseUnsigned(name, text, U64_MAX, '64 bit');
  }
}

/** `--help`'s text, generated from the table. */
export function usageText(version: string): string {
  const lines = [
    `invoiced ${version}: a Lightning invoice daemon speaking Core Lightning's invoice JSON-RPC.`,
    '',
    'Usage: invoiced [--option=value ...]',
    '',
    'Options (also accepted as key=value lines in <datadir>/config; the command line wins):',
  ];
  const indent = ' '.repeat(USAGE_FLAG_COLUMN + 3);
  for (const o of OPTIONS) {
    const flag = o.kind === 'flag' ? `--${o.name}` : `--${o.name}=<${o.arg ?? 'arg'}>`;
    const dflt = o.defaultText ? ` (default: ${o.defaultText})` : '';
    const text = wrapWords(`${o.help}${dflt}`, USAGE_WIDTH - indent.length);
    // A flag wider than its column puts its text on the lines below.
    if (flag.length > USAGE_FLAG_COLUMN) lines.push(`  ${flag}`);
    else lines.push(`  ${flag.padEnd(USAGE_FLAG_COLUMN)} ${text.shift() ?? ''}`);
    for (const t of text) lines.push(indent + t);
  }
  return lines.join('\n') + '\n';
}

/** `--help` fits a terminal of this many columns. */
export const USAGE_WIDTH = 100;
const USAGE_FLAG_COLUMN = 38;

/** Splits `text` at spaces into lines of at most `width` characters (a longer word gets a line of its own). */
function wrapWords(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}
