/**
 * The floor of `invoice` on this machine: the daemon's own parts without the daemon around them, run as a
 * process of its own by `npm run bench -- floor` (bench/scenarios/floor.ts) beside a real daemon.
 *
 * It answers `invoice` (label, description, amount_msat; nothing checked) on a Unix socket as the daemon
 * does: the same build pool (one signing worker, inline when idle), the store's own insert
 * (`insertInvoiceNext`) and event statements (`takeSeqs`, `insertEvents`), run straight on their statements
 * as inside the daemon's write queue, an `invoice_created` body built as the feed builds it (`eventBody`, the
 * RPC formatter's object), the same result object and JSON writer, on a database opened as the daemon opens
 * it (migrations, WAL, `synchronous = FULL`, the checkpoint thread); group commit: what is signed while a
 * batch commits goes in the next one, and answers go out after their COMMIT.
 *
 * What it leaves out is what the daemon adds around those parts: JSON-RPC framing and parameter binding,
 * the engine's checks, the write queue, the feed's and webhooks' machinery, metrics and logs. The
 * gap between the two is what those layers cost. Not a server for anything else: it trusts its client.
 *
 * Usage: `node dist/bench/lib/floor-server.js <sqlite file> <socket path>`; prints `ready` once listening.
 */
import { CompiledQuery } from 'kysely';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { eventBody } from '../../src/events/feed.js';
import { insertEvents, takeSeqs, type EventRow } from '../../src/events/feed-store.js';
import type { Invoice } from '../../src/invoice/invoice.js';
import { createBolt11BuildPool } from '../../src/invoice/invoice-build-pool.js';
import { openInvoiceDatabase } from '../../src/invoice/store/db.js';
import { sqliteDialect } from '../../src/invoice/store/dialect/sqlite.js';
import { execute, runDirect } from '../../src/invoice/store/prepared.js';
import { insertInvoiceNext } from '../../src/invoice/store/store.js';
import { formatEventObject } from '../../src/rpc/commands/event-format.js';
import { formatCreatedInvoice } from '../../src/rpc/format-created.js';
import { writeJson } from '../../src/rpc/json-writer.js';
import { msat } from '../../src/util/msat.js';
import { DEFAULT_CLTV_FINAL } from '../../src/util/network.js';
import { pooledRandom } from '../../src/util/random-pool.js';

/** The engine's defaults for a plain `invoice` (reference §4.1). */
const EXPIRY = 3600;
const COMMIT = CompiledQuery.raw('commit');

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
  // Migrated, with the daemon's pragmas and checkpoint thread, as the daemon opens it.
  const database = await openInvoiceDatabase({ path: file });
  const pool = createBolt11BuildPool({ seed: randomBytes(32) });
  const random = pooledRandom();

  /** One transaction for what is signed, on the store's own statements run as the daemon's queue runs them. */
  async function commitBatch(batch: readonly Job[]): Promise<Invoice[]> {
    return database.db.connection().execute(async (conn) => {
      runDirect(conn, database.direct!);
      await sqliteDialect.beginWrite(conn);
      const invoices: Invoice[] = [];
      const events: EventRow[] = [];
      let seq = (await takeSeqs(conn, batch.length)) - batch.length;
      for (const j of batch) {
        const got = await insertInvoiceNext(conn, { label: j.label, kind: 'bolt11', invstring: j.invstring!, payment_hash: j.payment_hash!, payment_preimage: j.preimage, amount_msat: msat(j.amount_msat), description: j.description, expires_at: j.now + EXPIRY, created_at: j.now });
        if (!('invoice' in got)) throw new Error(`floor: label ${j.label} or its hash was taken`);
        invoices.push(got.invoice);
        seq++;
        events.push({ seq, type: 'invoice_created', created_at: j.now, body: eventBody(seq, 'invoice_created', j.now, 'invoice', formatEventObject('invoice', got.invoice)) });
      }
      await insertEvents(conn, events);
      await execute(conn, COMMIT);
      return invoices;
    });
  }

  // Group commit: what is signed while a batch commits goes in the next one; answers follow their COMMIT.
  let signed: Job[] = [];
  let flushing = false;
  const flush = async () => {
    while (signed.length > 0) {
      const batch = signed;
      signed = [];
      const invoices = await commitBatch(batch);
      batch.forEach((j, i) => {
        const result = writeJson(formatCreatedInvoice({ invoice: invoices[i]!, payment_secret: j.payment_secret!, warnings: [] }));
        j.socket.write(`{"jsonrpc":"2.0","id":${JSON.stringify(j.id)},"result":${result}}\n\n`);
      });
    }
    flushing = false;
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
        setImmediate(() => void flush());
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
