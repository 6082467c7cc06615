/**
 * invoice-cli's command line, with lightning-cli's conventions (reference §9): options anywhere before
 * `--`; params positional by default, `key=value` with `-k` or when the first param contains `=`;
 * values that look literal (numbers, booleans, null, `{…}`, `[…]`, `"…"`) are sent as they are, the rest
 * as JSON strings.
 */
import type { OutputFormat } from './output.js';

export type ParamMode = 'keywords' | 'ordered' | 'auto';

export interface CliArgs {
  readonly help: boolean;
  readonly version: boolean;
  readonly format: OutputFormat | 'default';
  readonly mode: ParamMode;
  /** `-Q/--qr`: also print a QR code of the result's bolt11 or bolt12. */
  readonly qr: boolean;
  /** `-l/--filter` JSON text, sent as given. */
  readonly filter?: string;
  readonly datadir?: string;
  readonly network?: string;
  readonly rpcFile?: string;
  /** The method and its params (raw strings). */
  readonly words: readonly string[];
}

/** A usage error: exit code 3. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS: Readonly<Record<string, (a: Mutable) => void>> = {
  '-h': (a) => (a.help = true),
  '--help': (a) => (a.help = true),
  '-V': (a) => (a.version = true),
  '--version': (a) => (a.version = true),
  '-J': (a) => (a.format = 'json'),
  '--json': (a) => (a.format = 'json'),
  '-R': (a) => (a.format = 'raw'),
  '--raw': (a) => (a.format = 'raw'),
  '-H': (a) => (a.format = 'human'),
  '--human-readable': (a) => (a.format = 'human'),
  '-F': (a) => (a.format = 'flat'),
  '--flat': (a) => (a.format = 'flat'),
  '-k': (a) => (a.mode = 'keywords'),
  '--keywords': (a) => (a.mode = 'keywords'),
  '-Q': (a) => (a.qr = true),
  '--qr': (a) => (a.qr = true),
  '-o': (a) => (a.mode = 'ordered'),
  '--order': (a) => (a.mode = 'ordered'),
};

const WITH_VALUE: Readonly<Record<string, keyof Pick<Mutable, 'filter' | 'datadir' | 'network' | 'rpcFile'>>> = {
  '-l': 'filter',
  '--filter': 'filter',
  '--datadir': 'datadir',
  '--network': 'network',
  '--rpc-file': 'rpcFile',
};

type Mutable = { -readonly [K in keyof CliArgs]: CliArgs[K] } & { words: string[] };

/** Parses argv (without node and script). Throws UsageError. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const a: Mutable = { help: false, version: false, format: 'default', mode: 'auto', qr: false, words: [] };
  let optionsDone = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // A negative number is a param, not an option.
    if (optionsDone || !arg.startsWith('-') || arg === '-' || /^-[0-9.]/.test(arg)) {
      a.words.push(arg);
      continue;
    }
    if (arg === '--') {
      optionsDone = true;
      continue;
    }
    const flag = FLAGS[arg];
    if (flag) {
      flag(a);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const field = WITH_VALUE[name];
    if (!field) throw new UsageError(`${arg}: unrecognized option`);
    let value: string | undefined = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined;
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${name}: requires an argument`);
    }
    a[field] = value;
  }
  return a;
}

/** lightning-cli's is_literal: sent without quoting. */
export function isLiteral(arg: string): boolean {
  if (arg.length === 0) return false;
  // A multi-digit string with a leading zero may be hex: quote it.
  if (/^[0-9]+$/.test(arg) && arg.length > 1 && arg[0] === '0') return false;
  const first = arg[0];
  const last = arg[arg.length - 1];
  return (
    /^[0-9.]+$/.test(arg) ||
    arg === 'true' ||
    arg === 'false' ||
    arg === 'null' ||
    (first === '{' && last === '}') ||
    (first === '[' && last === ']') ||
    (first === '"' && last === '"')
  );
}

/** One param value as JSON text. */
export function paramText(arg: string): string {
  return isLiteral(arg) ? arg : JSON.stringify(arg);
}

/** The request text, built as lightning-cli builds it (the caller checks it parses). */
export function buildRequest(method: string, params: readonly string[], mode: ParamMode, id: string, filter?: string): string {
  let cmd = `{ "jsonrpc" : "2.0", "method" : ${JSON.stringify(method)}, "id" : ${JSON.stringify(id)},`;
  if (filter !== undefined) cmd += `"filter": ${filter},`;
  cmd += ' "params" :';
  const keywords = mode === 'keywords' || (mode === 'auto' && params.length > 0 && params[0]!.includes('='));
  if (keywords) {
    const parts = params.map((p) => {
      const eq = p.indexOf('=');
      if (eq < 0) throw new UsageError(`Expected key=value in '${p}'`);
      return `${JSON.stringify(p.slice(0, eq))} : ${paramText(p.slice(eq + 1))}`;
    });
    cmd += `{ ${parts.join(', ')}} }`;
  } else {
    cmd += `[ ${params.map(paramText).join(', ')}] }`;
  }
  return cmd;
}

/** The request id: `cli:<method>#<pid>`, or `cli:weirdmethod!#<pid>` when the method would need escaping. */
export function requestId(method: string, pid: number): string {
  return JSON.stringify(method) === `"${method}"` ? `cli:${method}#${pid}` : `cli:weirdmethod!#${pid}`;
}

/** Usage text for `-h` and a bare `invoice-cli`. */
export const CLI_USAGE = `Usage: invoice-cli [options] <command> [<params>...]

Options:
  --datadir=<dir>         Base directory of the daemon (default ~/.invoiced)
  --network=<net>         bitcoin, testnet, testnet4, signet or regtest
                          (default bitcoin, or the config file's)
  --rpc-file=<path>       The daemon's socket (default <datadir>/<network>/invoice-rpc)
  -k, --keywords          Params are key=value
  -o, --order             Params are positional
  -J, --json              Pretty JSON output (the default except for help)
  -R, --raw               The result exactly as received, on one line
  -H, --human-readable    key=value lines
  -F, --flat              a.b[0].c=value lines
  -l, --filter=<json>     Return only these fields of the result
  -Q, --qr                Also print a QR code of the result's bolt11 or bolt12
  -h, --help              This message; \`invoice-cli help\` lists the daemon's commands
  -V, --version           Print the version

Exit codes: 0 success, 1 the daemon returned an error, 2 cannot talk to the daemon, 3 usage error.
`;
