/**
 * The worker side of the BOLT 11 build pool (invoice-build-pool.ts): derives the node keys from the seed it
 * was given once, then builds and signs each draft it receives with the same pure `buildBolt11` the engine
 * uses on the main thread, so both paths write identical invoices (RFC 6979 signatures are deterministic).
 * Nothing here logs; the seed never leaves this thread's memory.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { nodeKeysFromSeed } from '../crypto/node-keys.js';
import { decodeBolt11, encodeBolt11 } from './bolt11/index.js';
import { buildBolt11, type Bolt11Draft } from './create.js';

/** A request from the pool (posted in arrays, several per message): a job id and the draft to build. */
export interface BuildRequest {
  readonly id: number;
  readonly draft: Bolt11Draft;
}

/** The answer: the built invoice, or the error's name/message/kind (InvoiceError fields survive a clone). */
export type BuildResponse =
  | { readonly id: number; readonly ok: true; readonly invstring: string; readonly payment_hash: Uint8Array; readonly payment_secret: Uint8Array }
  | { readonly id: number; readonly ok: false; readonly error: unknown };

/**
 * Answers per message back. At 64 clients, answering a whole batch at once left the main thread idle while
 * the batch was signed and the signer idle while the main thread stored it: 4 per message measured 17.5 %
 * more invoices/s than one message per batch, and 1 per message less than 4 (docs/performance.md).
 */
export const ANSWER_CHUNK = 4;

const port = parentPort;
if (port) {
  const seed = (workerData as { seed: Uint8Array }).seed;
  const keys = nodeKeysFromSeed(seed);
  seed.fill(0);
  const codec = { encode: encodeBolt11, decode: decodeBolt11 };
  // Requests come in batches (one message per turn of the pool's thread). Answers go back in chunks as
  // they are signed, so the main thread stores and answers the first while the rest are being signed.
  port.on('message', (batch: readonly BuildRequest[]) => {
    let answers: BuildResponse[] = [];
    for (const req of batch) {
      try {
        answers.push({ id: req.id, ok: true, ...buildBolt11(req.draft, keys.signEcdsa, codec) });
      } catch (error) {
        answers.push({ id: req.id, ok: false, error });
      }
      if (answers.length >= ANSWER_CHUNK) {
        port.postMessage(answers);
        answers = [];
      }
    }
    if (answers.length > 0) port.postMessage(answers);
  });
}
