import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listenUnix, ListenError, probeSocket, stopListening, systemdListenFd } from '../../src/daemon/listen.js';
import { tempDir } from '../helpers/tmp.js';

const tmp = () => tempDir('invd-listen-');

describe('socket listening', () => {
  it('probes absent, live and stale sockets, and refuses other files', async () => {
    const dir = tmp();
    const p = path.join(dir, 's');
    expect(await probeSocket(p)).toBe('absent');
    const server = net.createServer();
    await listenUnix(server, p, 0o640);
    expect(fs.statSync(p).mode & 0o777).toBe(0o640);
    expect(await probeSocket(p)).toBe('live');
    await expect(listenUnix(net.createServer(), p, 0o600)).rejects.toThrow(new ListenError(`another daemon is already answering on ${p}`));
    // A socket file nobody listens on: close the server's handle without letting Node unlink the path.
    const stale = path.join(dir, 'stale');
    fs.linkSync(p, stale);
    stopListening(server);
    await new Promise((r) => server.once('close', r));
    expect(await probeSocket(stale)).toBe('stale');
    const again = net.createServer();
    await listenUnix(again, stale, 0o600);
    expect(await probeSocket(stale)).toBe('live');
    stopListening(again);
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    await expect(probeSocket(path.join(dir, 'file'))).rejects.toThrow('exists and is not a socket; refusing to replace it');
  });

  it('restores the process umask after binding', async () => {
    const before = process.umask();
    const server = net.createServer();
    await listenUnix(server, path.join(tmp(), 's'), 0o660);
    expect(process.umask()).toBe(before);
    stopListening(server);
  });

  it('takes fd 3 only when LISTEN_PID is ours', () => {
    expect(systemdListenFd({}, 42)).toBeUndefined();
    expect(systemdListenFd({ LISTEN_FDS: '1', LISTEN_PID: '42' }, 42)).toBe(3);
    expect(systemdListenFd({ LISTEN_FDS: '2' }, 42)).toBe(3);
    expect(systemdListenFd({ LISTEN_FDS: '1', LISTEN_PID: '41' }, 42)).toBeUndefined();
    expect(systemdListenFd({ LISTEN_FDS: '0', LISTEN_PID: '42' }, 42)).toBeUndefined();
    expect(systemdListenFd({ LISTEN_FDS: 'x' }, 42)).toBeUndefined();
  });
});
