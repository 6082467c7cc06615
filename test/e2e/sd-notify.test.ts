/**
 * systemd readiness over a real NOTIFY_SOCKET: a Unix datagram receiver (Python's socket module, as Node
 * has no AF_UNIX datagrams) stands in for the service manager. The daemon sends READY=1 only once its
 * socket answers, with a status line; without NOTIFY_SOCKET it sends nothing and says nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonBuilt, makeDatadir, spawnDaemon, startDaemonsKilledAfterEach } from '../helpers/daemon.js';
import { RpcClient } from '../helpers/rpc-client.js';

const start = startDaemonsKilledAfterEach();
const have = (cmd: string, args: string[]) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
const canRun = daemonBuilt() && have('python3', ['-c', 'import socket; socket.AF_UNIX']) && have('systemd-notify', ['--help']);

// Binds the datagram socket, says "bound", then prints each datagram as one JSON string per line. Passed
// descriptors (systemd-notify's barrier) are received and closed, which is how the manager answers it.
const RECEIVER = `
import array, json, socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("bound", flush=True)
while True:
    msg, anc, flags, addr = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i"); fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
            for fd in fds: os.close(fd)
    print(json.dumps(msg.decode()), flush=True)
`;

interface Receiver {
  readonly path: string;
  readonly messages: string[];
  waitFor(pred: (m: string) => boolean): Promise<string>;
}

const receivers: ChildProcess[] = [];
afterEach(() => {
  for (const r of receivers.splice(0)) r.kill('SIGKILL');
});

async function notifyReceiver(dir: string): Promise<Receiver> {
  const sock = path.join(dir, 'notify');
  const proc = spawn('python3', ['-c', RECEIVER, sock], { stdio: ['ignore', 'pipe', 'inherit'] });
  receivers.push(proc);
  const messages: string[] = [];
  const waiters: Array<() => void> = [];
  let bound!: () => void;
  const isBound = new Promise<void>((r) => (bound = r));
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (line === 'bound') bound();
      else messages.push(JSON.parse(line) as string);
    }
    for (const w of waiters.splice(0)) w();
  });
  await isBound;
  return {
    path: sock,
    messages,
    waitFor: async (pred) => {
      for (;;) {
        const m = messages.find(pred);
        if (m !== undefined) return m;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
  };
}

describe.skipIf(!canRun)('systemd readiness (NOTIFY_SOCKET)', () => {
  it('sends READY=1 with a status once the socket answers', async () => {
    const datadir = makeDatadir();
    const rx = await notifyReceiver(datadir);
    const proc = spawnDaemon([`--datadir=${datadir}`, '--network=regtest'], { NOTIFY_SOCKET: rx.path });
    try {
      const socketPath = path.join(datadir, 'regtest', 'invoice-rpc');
      const ready = await rx.waitFor((m) => m.split('\n').includes('READY=1'));
      // Ready means serving: the socket answers at once.
      const c = await RpcClient.connect(socketPath);
      expect((await c.call('getinfo', {})).result.network).toBe('regtest');
      c.destroy();
      expect(ready.split('\n')).toContain(`STATUS=serving on ${socketPath}`);
    } finally {
      proc.kill('SIGKILL');
    }
  });

  it('warns, and keeps serving, when the notification cannot be sent', async () => {
    const d = await start({ env: { NOTIFY_SOCKET: '/nonexistent/notify' } });
    const line = await d.waitForLog('could not tell systemd the daemon is ready');
    expect(line).toMatchObject({ level: 40 });
    expect(String(line.err)).toMatch(/^systemd-notify: /);
    expect((await d.call('getinfo', {})).result.network).toBe('regtest');
  });

  it('sends nothing without NOTIFY_SOCKET', async () => {
    const d = await start({ env: { NOTIFY_SOCKET: '' } });
    await d.call('getinfo', {});
    expect(d.logs().filter((l) => String(l.msg).includes('systemd'))).toEqual([]);
  });
});
