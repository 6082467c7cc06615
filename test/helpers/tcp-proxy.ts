/**
 * A TCP proxy in front of the test PostgreSQL server, for the pool's fault tests: it forwards both ways,
 * and can be told to stop forwarding (`freeze`: the sockets are paused, new ones too, as a frozen server
 * or a stalled network would) or to drop every new connection at once (`dropping`, counted).
 */
import * as net from 'node:net';

export interface TcpProxy {
  /** The target's URL with the proxy's host and port. */
  readonly url: string;
  freeze(): void;
  thaw(): void;
  /** Whether new connections are dropped at once instead of forwarded. */
  dropping: boolean;
  /** Connections dropped so far. */
  dropped(): number;
  close(): Promise<void>;
}

export async function tcpProxy(target: URL, opts: { dropping?: boolean } = {}): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let frozen = false;
  let dropped = 0;
  const hold = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
    if (frozen) s.pause();
  };
  const proxy: TcpProxy = {
    url: '',
    dropping: opts.dropping ?? false,
    freeze() {
      frozen = true;
      for (const s of sockets) s.pause();
    },
    thaw() {
      frozen = false;
      for (const s of sockets) s.resume();
    },
    dropped: () => dropped,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = net.createServer((client) => {
    hold(client);
    if (proxy.dropping) {
      dropped++;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    hold(upstream);
    client.on('data', (d) => upstream.write(d));
    upstream.on('data', (d) => client.write(d));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(target.href);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return Object.assign(proxy, { url: url.href });
}
