/**
 * What a webhook request carries besides its body, and how it is signed: HMAC-SHA256 over the exact body
 * bytes with the webhook secret (docs/events.md shows a receiver's check).
 */
import { createHash, createHmac } from 'node:crypto';
import { postOnce, type PostRequest, type PostResult } from './http-post.js';

/** Request headers (lower case, as HTTP/2 and fetch normalise them). */
export const HEADER = {
  signature: 'x-invoiced-signature',
  seq: 'x-invoiced-seq',
  delivery: 'x-invoiced-delivery',
  attempt: 'x-invoiced-attempt',
} as const;

/** `sha256=<hex>` of the body under `secret`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The delivery id of (url, seq): the same for every attempt, so a receiver can drop repeats. */
export function deliveryId(url: string, seq: number): string {
  return `${urlHash(url)}-${seq}`;
}

const urlHashes = new Map<string, string>();
/** The URL's part of a delivery id (kept per URL: every delivery of the URL needs it). */
function urlHash(url: string): string {
  let h = urlHashes.get(url);
  if (h === undefined) {
    h = createHash('sha256').update(url).digest('hex').slice(0, 16);
    if (urlHashes.size >= 10_000) urlHashes.clear();
    urlHashes.set(url, h);
  }
  return h;
}

/**
 * One attempt of `req` (http-post.ts), with its signature header added where it asks for one (`sign`):
 * computed where the POST is made (the poster's thread), not on the thread that answers RPC. Without a
 * secret such a request fails as an attempt does, with the reason.
 */
export function postSigned(req: PostRequest, secret: string | undefined, timeoutMs: number, abort: AbortController): Promise<PostResult> {
  if (!req.sign) return postOnce(req, timeoutMs, abort);
  if (secret === undefined) return Promise.resolve({ status: null, error: 'a webhook request asks to be signed, but the poster has no secret' });
  return postOnce({ ...req, headers: { ...req.headers, [HEADER.signature]: signBody(secret, req.body) } }, timeoutMs, abort);
}
