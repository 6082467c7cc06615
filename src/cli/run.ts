/**
 * invoice-cli's work, separate from process wiring so tests can run it in-process: find the socket as
 * the daemon does, send one request, print the answer, and return lightning-cli's exit code.
 */
import * as net from 'node:net';
import { parseConfigFile } from '../daemon/config-file.js';
import { configFilePath, defaultDatadir, expandPath, rpcFilePath } from '../daemon/paths.js';
import { VERSION } from '../daemon/version.js';
import { isNetwork, NETWORKS } from '../util/network.js';
import { buildRequest, CLI_USAGE, parseCliArgs, requestId, UsageError, type CliArgs } from './args.js';
import { JsonIncomplete, JsonInvalid, member, parseJsonDocument, parseJsonPrefix, stringValue, type JsonNode } from './json-tree.js';
import { formatResult, prettyJson, takeFormatHint, type OutputFormat } from './output.js';
import { qrText, scannableString } from './qr.js';

/** lightning-cli's exit codes. */
export const EXIT = { ok: 0, daemonError: 1, talking: 2, usage: 3 } as const;

export interface CliIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  readonly home: string;
  readonly cwd: string;
  readonly pid: number;
  /** The file's text, or undefined if it does not exist. */
  readonly readFile: (path: string) => string | undefined;
  /** Standard output is a terminal (a QR code is then drawn with colours). */
  readonly stdoutIsTty?: boolean;
}

/** Cannot connect, read or parse: exit code 2. */
class TalkError extends Error {}

/** The socket path from options, the daemon's config file and the defaults, as the daemon computes it. */
export function socketPathFor(args: CliArgs, io: CliIo): string {
  const datadir = args.datadir !== undefined ? expandPath(args.datadir, io.home, io.cwd) : defaultDatadir(io.home);
  let network = args.network;
  let rpcFile = args.rpcFile;
  const text = io.readFile(configFilePath(datadir));
  if (text !== undefined) {
    let entries: ReturnType<typeof parseConfigFile> = [];
    try {
      entries = parseConfigFile(text);
    } catch {
      // The daemon reports a broken config file; the CLI only looks for two keys in it.
    }
    for (const e of entries) {
      if (e.name === 'network' && args.network === undefined) network = e.value;
      if (e.name === 'rpc-file' && args.rpcFile === undefined) rpcFile = e.value;
    }
  }
  network ??= 'bitcoin';
  if (!isNetwork(network)) throw new UsageError(`--network: should be one of ${NETWORKS.join(', ')}, not '${network}'`);
  // An absolute --rpc-file wins over everything else.
  return rpcFilePath(datadir, network, rpcFile, io.home);
}

/** Sends `request` on the socket at `path` and returns the first response object (notifications skipped). */
function exchange(path: string, request: string): Promise<JsonNode> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ path });
    let buf = '';
    let done = false;
    const finish = (err: Error | undefined, node?: JsonNode) => {
      if (done) return;
      done = true;
      sock.destroy();
      if (err) reject(err);
      else resolve(node!);
    };
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(request));
    sock.on('error', (err) => finish(new TalkError(`Connecting to '${path}': ${err.message}`)));
    sock.on('end', () => finish(new TalkError('reading response: socket closed')));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      for (;;) {
        const start = buf.search(/\S/);
        if (start < 0) return;
        let parsed: { node: JsonNode; end: number };
        try {
          parsed = parseJsonPrefix(buf, start);
        } catch (err) {
          if (err instanceof JsonIncomplete) return;
          return finish(new TalkError(`Malformed response '${buf}'`));
        }
        buf = buf.slice(parsed.end);
        const n = parsed.node;
        // A notification has a method and no id: not our answer.
        if (n.kind === 'object' && !member(n, 'id') && member(n, 'method')) continue;
        return finish(undefined, n);
      }
    });
  });
}

/** `help <command>` in human form: the usage line, a blank line, then its verbose text (undefined: none). */
function helpText(result: JsonNode): string | undefined {
  const entries = member(result, 'help');
  const first = entries?.kind === 'array' && entries.items.length === 1 ? entries.items[0] : undefined;
  const usage = first && stringValue(member(first, 'command'));
  const verbose = first && stringValue(member(first, 'verbose'));
  return usage !== undefined && verbose !== undefined ? `${usage}\n\n${verbose}\n` : undefined;
}

/** Runs invoice-cli with `argv` (after the script name); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`invoice-cli: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  if (args.help) {
    io.stdout(CLI_USAGE);
    return EXIT.ok;
  }
  if (args.version) {
    io.stdout(`${VERSION}\n`);
    return EXIT.ok;
  }
  let words = args.words;
  if (words.length === 0) {
    io.stdout(CLI_USAGE + '\nQuerying invoiced for available RPC commands ("invoice-cli help"):\n\n');
    words = ['help'];
  }
  const [method, ...params] = words as [string, ...string[]];
  const id = requestId(method, io.pid);
  let path: string;
  let request: string;
  try {
    path = socketPathFor(args, io);
    request = buildRequest(method, params, args.mode, id, args.filter);
    try {
      parseJsonDocument(request);
    } catch (err) {
      if (!(err instanceof JsonInvalid)) throw err;
      throw new UsageError(`Some parameters are malformed, cannot create a valid JSON-RPC request: ${request}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`invoice-cli: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }

  let resp: JsonNode;
  try {
    resp = await exchange(path, request);
  } catch (err) {
    if (err instanceof TalkError) {
      io.stderr(`invoice-cli: ${err.message}\n`);
      return EXIT.talking;
    }
    throw err;
  }
  if (resp.kind !== 'object') {
    io.stderr(`invoice-cli: Non-object response '${resp.raw}'\n`);
    return EXIT.talking;
  }
  const respId = member(resp, 'id');
  let result = member(resp, 'result');
  const error = member(resp, 'error');
  if (!result && !error) {
    io.stderr(`invoice-cli: Either 'result' or 'error' must be returned in response '${resp.raw}'\n`);
    return EXIT.talking;
  }
  if (!respId || respId.raw !== JSON.stringify(id)) {
    io.stderr(`invoice-cli: Incorrect 'id' (${respId?.raw ?? 'none'}) in response: ${resp.raw}\n`);
    return EXIT.talking;
  }
  if (!error || error.raw === 'null') {
    let format: OutputFormat;
    if (args.format === 'default') {
      if (method === 'help' && params.length === 0) format = 'helplist';
      else {
        const h = takeFormatHint(result!);
        result = h.result;
        format = h.simple ? 'human' : 'json';
      }
    } else {
      if (args.format === 'human') result = takeFormatHint(result!).result;
      format = args.format;
    }
    io.stdout(format === 'human' && method === 'help' ? helpText(result!) ?? formatResult(result!, format) : formatResult(result!, format));
    if (args.qr) {
      const scannable = scannableString(result!);
      if (scannable === undefined) io.stderr('invoice-cli: --qr: the result has no bolt11 or bolt12 to show\n');
      else io.stdout(qrText(scannable, io.stdoutIsTty === true));
    }
    return EXIT.ok;
  }
  io.stdout(args.format === 'raw' ? `${error.raw}\n` : `${prettyJson(error)}\n`);
  return EXIT.daemonError;
}
