/**
 * What `invoiced-cln` tells lightningd at `getmanifest`, and the options it reads back at `init`.
 * Options become lightningd's own command-line/config options (`--invoiced-rpc-file=…`, or
 * `invoiced-rpc-file=…` in the node's config file).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { member, toPlain, type JsonNode } from '../../rpc/json-reader.js';
import { defaultDatadir, expandPath, rpcFilePath } from '../../daemon/paths.js';
import { NETWORKS, type Network } from '../../util/network.js';

/** Levels of CLN's `log` notification, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_HOLD_SECONDS = 120;
export const DEFAULT_FACTS_INTERVAL_SECONDS = 60;

/** The hooks, each before CLN's own `offers` plugin so our offers are answered by us (it answers the rest). */
const HOOKS = [
  { name: 'htlc_accepted' },
  { name: 'onion_message_recv', before: ['offers'] },
  { name: 'onion_message_recv_secret', before: ['offers'] },
];

/** The `getmanifest` result. */
export function manifest(): Record<string, unknown> {
  return {
    options: [
      {
        name: 'invoiced-rpc-file',
        type: 'string',
        description: "invoiced's JSON-RPC socket (default: ~/.invoiced/<network>/invoice-rpc)",
      },
      {
        name: 'invoiced-hold-seconds',
        type: 'int',
        default: DEFAULT_HOLD_SECONDS,
        description: 'How long to hold an incoming HTLC while invoiced cannot be reached, before letting lightningd decide',
      },
      {
        name: 'invoiced-log-level',
        type: 'string',
        default: 'info',
        description: "Least important invoiced-cln log line sent to lightningd's log: debug, info, warn or error",
      },
      {
        name: 'invoiced-facts-interval',
        type: 'int',
        default: DEFAULT_FACTS_INTERVAL_SECONDS,
        description: 'Seconds between reports of the node\'s channels to invoiced (also sent on every channel change)',
      },
    ],
    rpcmethods: [],
    hooks: HOOKS,
    subscriptions: ['block_added', 'channel_state_changed', 'shutdown'],
    dynamic: true,
    nonnumericids: true,
  };
}

/** The plugin's settings, from `init`'s `options` and `configuration`. */
export interface PluginConfig {
  /** lightningd's own socket. */
  readonly lightningRpc: string;
  /** The node's network directory (`lightning-dir`), where its hsm_secret lives. */
  readonly lightningDir: string;
  readonly network: string;
  /** invoiced's socket. */
  readonly daemonRpc: string;
  readonly holdMs: number;
  readonly logLevel: LogLevel;
  readonly factsIntervalMs: number;
  /** False when lightningd was already running (`plugin start`). */
  readonly startup: boolean;
}

/** A bad option value: `init` answers with `disable` and this text. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function str(obj: JsonNode | undefined, key: string): string | undefined {
  const v = obj?.kind === 'object' ? member(obj, key) : undefined;
  return v?.kind === 'string' ? v.value : undefined;
}

function positiveInt(obj: JsonNode | undefined, key: string, dflt: number): number {
  const v = obj?.kind === 'object' ? member(obj, key) : undefined;
  if (v === undefined) return dflt;
  const n = toPlain(v);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) throw new ConfigError(`${key} must be a positive integer, not ${String(n)}`);
  return n;
}

/** Reads `init`'s params; `home` is the plugin's home directory (for the daemon's default socket). */
export function readConfig(params: JsonNode, home: string = os.homedir()): PluginConfig {
  const options = params.kind === 'object' ? member(params, 'options') : undefined;
  const conf = params.kind === 'object' ? member(params, 'configuration') : undefined;
  const lightningDir = str(conf, 'lightning-dir');
  const rpcFile = str(conf, 'rpc-file');
  const network = str(conf, 'network');
  if (lightningDir === undefined || rpcFile === undefined || network === undefined) {
    throw new ConfigError('init: configuration lacks lightning-dir, rpc-file or network');
  }
  const startupNode = conf?.kind === 'object' ? member(conf, 'startup') : undefined;
  const level = str(options, 'invoiced-log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new ConfigError(`invoiced-log-level must be one of ${LOG_LEVELS.join(', ')}, not ${level}`);
  const explicit = str(options, 'invoiced-rpc-file');
  let daemonRpc: string;
  if (explicit !== undefined && explicit !== '') {
    daemonRpc = expandPath(explicit, home, lightningDir); // a relative path is from the node's directory
  } else {
    if (!(NETWORKS as readonly string[]).includes(network)) {
      throw new ConfigError(`invoiced serves ${NETWORKS.join(', ')}, not ${network}: set invoiced-rpc-file`);
    }
    daemonRpc = rpcFilePath(defaultDatadir(home), network as Network, undefined, home);
  }
  return {
    lightningRpc: path.resolve(lightningDir, rpcFile),
    lightningDir,
    network,
    daemonRpc,
    holdMs: positiveInt(options, 'invoiced-hold-seconds', DEFAULT_HOLD_SECONDS) * 1000,
    logLevel: level as LogLevel,
    factsIntervalMs: positiveInt(options, 'invoiced-facts-interval', DEFAULT_FACTS_INTERVAL_SECONDS) * 1000,
    startup: startupNode?.kind === 'bool' ? startupNode.value : true,
  };
}
