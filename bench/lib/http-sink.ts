/**
 * A webhook receiver for benchmarks: a minimal HTTP/1.1 responder over plain TCP that answers
 * `204 No Content` to every request and counts them, on a thread of its own. In production the receiver
 * runs on another machine; here it shares the two cores with the daemon and the load generator, so it is
 * as cheap as a receiver can be (no HTTP parsing beyond the header end and Content-Length) and runs off
 * the load generator's event loop, whose turns would otherwise be spent receiving deliveries instead of
 * sending requests. The figures then measure the daemon's cost of delivering.
 */
import { Worker } from 'node:worker_threads';

const SINK = `
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const counter = new Int32Array(workerData.counter);
const ANSWER = Buffer.from('HTTP/1.1 204 No Content\\r\\nConnection: keep-alive\\r\\n\\r\\n');
const END = Buffer.from('\\r\\n\\r\\n');
const sockets = new Set();
const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => socket.destroy());
  let buf = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    let answers = 0;
    for (;;) {
      const end = buf.indexOf(END);
      if (end < 0) break;
      const m = /\\r\\ncontent-length:\\s*(\\d+)/i.exec(buf.subarray(0, end).toString('latin1'));
      const total = end + 4 + (m ? Number(m[1]) : 0);
      if (buf.length < total) break;
      buf = buf.subarray(total);
      answers++;
    }
    if (answers > 0) {
      Atomics.add(counter, 0, answers);
      socket.write(answers === 1 ? ANSWER : Buffer.concat(Array.from({ length: answers }, () => ANSWER)));
    }
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', () => { for (const s of sockets) s.destroy(); server.close(() => process.exit(0)); });
`;

export async function httpSink(): Promise<{ url: string; count(): number; close(): Promise<void> }> {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(SINK, { eval: true, workerData: { counter: counter.buffer } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}/hook`,
    count: () => Atomics.load(counter, 0),
    close: async () => {
      worker.postMessage('close');
      await new Promise<void>((r) => worker.once('exit', () => r()));
    },
  };
}
