/**
 * Where things live on disk. Shared by the daemon and invoice-cli so both find the same socket:
 * `<datadir>/<network>/invoice-rpc` unless `--rpc-file` says otherwise. Pure: the home directory and
 * working directory are passed in.
 */
import * as path from 'node:path';
import type { Network } from '../util/network.js';

/** The default base directory. */
export function defaultDatadir(home: string): string {
  return path.join(home, '.invoiced');
}

/** Expands a leading `~/` (shells leave `--datadir=~/x` alone) and makes the path absolute. */
export function expandPath(p: string, home: string, cwd: string): string {
  const expanded = p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
  return path.resolve(cwd, expanded);
}

/** `<datadir>/<network>`: the socket, the SQLite database and relative paths live here. */
export function networkDir(datadir: string, network: Network): string {
  return path.join(datadir, network);
}

/** The socket path: `rpcFile` resolved against the network directory, or the default name there. */
export function rpcFilePath(datadir: string, network: Network, rpcFile: string | undefined, home: string): string {
  const dir = networkDir(datadir, network);
  return rpcFile === undefined ? path.join(dir, 'invoice-rpc') : expandPath(rpcFile, home, dir);
}

/** The config file read at startup. */
export function configFilePath(datadir: string): string {
  return path.join(datadir, 'config');
}
