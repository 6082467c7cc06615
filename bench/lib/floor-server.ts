/**
 * The floor of `invoice` on this machine: the daemon's own parts without the daemon around them, run as a
 * process of its own by `npm run bench -- floor` (bench/scenarios/floor.ts) beside a real daemon.
 *
 * It answers `invoice` (label, description, amount_msat; nothing checked) on a Unix socket as the daemon
 * does: the same build pool (one signing worker, inline when idle), the same row (`newRow`), the same
 * one-statement insert, an `invoice_created` event whose body is the feed's (`eventBody`, the RPC
 * formatter's object), the same result object and JSON writer, on a database the daemon's migrations made,
 * with the daemon's pragmas (WAL, `synchronous = FULL`) and its checkpoint thread; group commit: what is
 * signed by the end of a turn commits in one transaction, and answers go out after the COMMIT.
 *
 * What it leaves out is what the daemon adds around those parts: JSON-RPC framing and parameter binding,
 * the engine's checks, the write queue, Kysely, the feed's and webhooks' machinery, metrics and logs. The
 * gap between the two is what those layers cost. Not a server for anything else: it trusts its client.
 *
 * Usage: `node dist/bench/lib/floor-server.js <sqlite file> <socket path>`; prints `ready` once listening.
 */
import Sqlite from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { eventBody } from '../../src/events/feed.js';
import type { Invoice } from '../../src/invoice/invoice.js';
import { createBolt11BuildPool } from '../../src/invoice/invoice-build-pool.js';
import { startCheckpointer } from '../../src/invoice/store/checkpointer.js';
import { SQLITE_PRAGMAS } from '../../src/invoice/store/dialect/sqlite.js';
import { newRow, rowToInvoice } from '../../src/invoice/store/invoice-row.js';
import { NEXT_VALUES } from '../../src/invoice/store/pg-invoice-batch.js';
import { CREATED_SQLITE, INSERT_NEXT_SQLITE } from '../../src/invoice/store/store.js';
import { formatEventObject } from '../../src/rpc/commands/event-format.js';
import { formatCreatedInvoice } from '../../src/rpc/format-created.js';
import { writeJson } from '../../src/rpc/json-writer.js';
import { msat } from '../../src/util/msat.js';
import { DEFAULT_CLTV_FINAL } from '../../src/util/network.js';
import { pooledRandom } from '../../src/util/random-pool.js';

/** The engine's defaults for a plain `invoice` (reference §4.1). */
const EXPIRY = 3600;

interface Job {
  readonly socket: net.Socket;
  readonly id: unknown;
  readonly label: string;
  readonly description: string;
  readonly amount_msat: bigint;
  readonly preimage: Uint8Array;
  readonly now: number;
  invstring?: string;
  payment_hash?: Uint8Array;
  payment_secret?: Uint8Array;
}

async function startFloor(file: string, socketPath: string): Promise<net.Server> {
  const conn = new Sqlite(file, { fileMustExist: true });
  for (const p of SQLITE_PRAGMAS) conn.pragma(p);
  startCheckpointer({ file, setAutoCheckpoint: (pages) => void conn.pragma(`wal_autocheckpoint = ${Math.trunc(pages)}`) });
  const insert = conn.prepare(INSERT_NEXT_SQLITE);
  const created = conn.prepare(CREATED_SQLITE).pluck();
  const takeSeqs = conn.prepare(`update invoice_counters set value = value + ? where name = 'event_seq' returning value`).pluck();
  const insertEvent = conn.prepare('insert into events (seq, type, created_at, body) values (?, ?, ?, ?)');
  const begin = conn.prepare('begin immediate');
  const commit = conn.prepare('commit');
  const pool = createBolt11BuildPool({ seed: randomBytes(32) });
  const random = pooledRandom();

  let signed: Job[] = [];
  let flushing = false;
  const flush = () => {
    flushing = false;
    const batch = signed;
    signed = [];
    const invoices: Invoice[] = [];
    begin.run();
    let seq = Number(takeSeqs.get(batch.length)) - batch.length;
    for (const j of batch) {
      const row = newRow({ created_index: 0, label: j.label, kind: 'bolt11', invstring: j.invstring!, payment_hash: j.payment_hash!, payment_preimage: j.preimage, amount_msat: msat(j.amount_msat), description: j.description, expires_at: j.now + EXPIRY, created_at: j.now });
      insert.run(...NEXT_VALUES.map((c) => row[c]));
      const inv = rowToInvoice({ ...row, created_index: Number(created.get()) });
      invoices.push(inv);
      seq++;
      insertEvent.run(seq, 'invoice_created', j.now, eventBody(seq, 'invoice_created', j.now, 'invoice', formatEventObject('invoice', inv)));
    }
    commit.run();
    batch.forEach((j, i) => {
      const result = writeJson(formatCreatedInvoice({ invoice: invoices[i]!, payment_secret: j.payment_secret!, warnings: [] }));
      j.socket.write(`{"jsonrpc":"2.0","id":${JSON.stringify(j.id)},"result":${result}}\n\n`);
    });
  };

  const onRequest = (socket: net.Socket, text: string) => {
    const req = JSON.parse(text) as { id: unknown; params: { label: string; description: string; amount_msat: number } };
    const now = Math.floor(Date.now() / 1000);
    const p = req.params;
    const job: Job = { socket, id: req.id, label: p.label, description: p.description, amount_msat: BigInt(p.amount_msat), preimage: random(32), now };
    const draft = { network: 'regtest' as const, amount_msat: msat(job.amount_msat), timestamp: now, preimage: job.preimage, description: p.description, deschashonly: false, expiry: EXPIRY, cltv: DEFAULT_CLTV_FINAL.regtest, fallbacks: [] };
    void pool.build(draft).then((b) => {
      Object.assign(job, b);
      signed.push(job);
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    });
  };

  const server = net.createServer((socket) => {
    socket.setEncoding('utf8');
    // The benchmark's clients send one request at a time, each in one write: a chunk is a whole request.
    socket.on('data', (text: string) => onRequest(socket, text));
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return server;
}

const [file, socketPath] = process.argv.slice(2);
if (!file || !socketPath) {
  console.error('usage: floor-server.js <sqlite file> <socket path>');
  process.exit(2);
}
await startFloor(file, socketPath);
process.stdout.write('ready\n');
