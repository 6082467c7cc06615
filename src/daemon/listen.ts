/**
 * The daemon's listening socket: a Unix socket at `--rpc-file` created with `--rpc-file-mode`, or the
 * socket systemd hands over (socket activation, `LISTEN_FDS`). As CLN does at startup: if a daemon already
 * answers on the path we refuse to start; a stale socket file left by a crash is removed.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';

/**
 * listen() backlog. CLN uses 128, but a burst of a few hundred clients connecting at once while the
 * event loop is busy then gets EAGAIN; the kernel caps this at net.core.somaxconn anyway.
 */
export const LISTEN_BACKLOG = 1024;

/** What is at the socket path. */
export type SocketProbe = 'absent' | 'stale' | 'live';

/** Thrown when the socket cannot be taken; main prints it and exits 1. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** Looks at `path`: nothing there, a socket nobody answers on, or a live daemon. Anything else is an error. */
export async function probeSocket(path: string): Promise<SocketProbe> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw new ListenError(`cannot inspect ${path}: ${(err as Error).message}`);
  }
  if (!st.isSocket()) throw new ListenError(`${path} exists and is not a socket; refusing to replace it`);
  return new Promise((resolve) => {
    const s = net.connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve('live');
    });
    s.once('error', () => resolve('stale'));
  });
}

/**
 * Binds `server` to `path` with permissions `mode`. The umask is narrowed around bind() (which Node
 * performs synchronously inside listen()) so the socket never exists with wider permissions, and the mode
 * is set again afterwards in case the umask was stricter than asked.
 */
export async function listenUnix(server: net.Server, path: string, mode: number): Promise<void> {
  const probe = await probeSocket(path);
  if (probe === 'live') throw new ListenError(`another daemon is already answering on ${path}`);
  if (probe === 'stale') fs.unlinkSync(path);
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(
        new ListenError(
          err.code === 'EADDRINUSE' ? `another daemon took ${path} while we started` : `cannot listen on ${path}: ${err.message}`,
        ),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    const old = process.umask(0o777 & ~mode);
    try {
      server.listen({ path, backlog: LISTEN_BACKLOG });
    } finally {
      process.umask(old);
    }
  });
  fs.chmodSync(path, mode);
}

/**
 * The first socket passed by systemd (sd_listen_fds(3)): fds start at 3, `LISTEN_PID` must be ours.
 * Returns undefined when the daemon was not socket-activated.
 */
export function systemdListenFd(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const fds = env.LISTEN_FDS;
  if (fds === undefined) return undefined;
  if (env.LISTEN_PID !== undefined && env.LISTEN_PID !== String(pid)) return undefined;
  const n = Number(fds);
  if (!Number.isInteger(n) || n < 1) return undefined;
  return 3;
}

/** Listens on an inherited file descriptor (socket activation). */
export async function listenFd(server: net.Server, fd: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(new ListenError(`cannot listen on inherited fd ${fd}: ${err.message}`));
    server.once('error', onError);
    server.listen({ fd }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * Stops accepting connections. Existing ones stay until closed elsewhere; we do not wait for them here
 * (net.Server's close callback only fires once every connection has gone).
 */
export function stopListening(server: net.Server): void {
  if (server.listening) server.close();
}
