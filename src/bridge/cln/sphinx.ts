/**
 * The BOLT 4 onion for an onion message (`onion_message_packet`): the sender's side of Sphinx, for hops
 * that are already blinded node ids. Core Lightning v26.06 has no command that builds one for a plugin
 * (`sendonionmessage` is gone); a plugin builds the packet and hands it to `injectonionmessage`.
 * Pinned to bolt04/blinded-onion-message-onion-test.json.
 *
 * BOLT 4: `ss_i = SHA256(e_i·P_i)`, `e_{i+1} = SHA256(E_i || ss_i)·e_i`; `rho`, `mu` = HMAC256(label, ss);
 * hop_payloads start as the ChaCha20 stream of `pad` = HMAC256("pad", session_key); each hop, last first,
 * is shifted in as `bigsize(len) || payload || hmac`, the whole field is XORed with rho's stream, the
 * filler replaces the tail after the last hop, and the hmac is HMAC-SHA256(mu, hop_payloads) (onion
 * messages have no associated data).
 */
import { createCipheriv } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { multiplySecretKeys, secp256k1 } from '../../crypto/secp256k1.js';
import { writeBigSize } from '../../offers/index.js';
import { concatBytes, utf8 } from '../../util/bytes.js';

/** BOLT 4: "SHOULD set onion_message_packet len to 1366 or 32834": 1300 or 32768 bytes of hop_payloads. */
const SMALL = 1300;
const LARGE = 32768;
const HMAC_LEN = 32;

export interface SphinxHop {
  /** The (blinded) node id this layer is for. */
  readonly pubkey: Uint8Array;
  /** Its `onionmsg_tlv` payload. */
  readonly payload: Uint8Array;
}

function key(label: string, secret: Uint8Array): Uint8Array {
  return hmac(sha256, utf8(label), secret);
}

/** ChaCha20 keystream (RFC 8439, counter 0, all-zero nonce), `len` bytes. */
function stream(k: Uint8Array, len: number): Uint8Array {
  const c = createCipheriv('chacha20', k, new Uint8Array(16));
  return new Uint8Array(c.update(new Uint8Array(len)));
}

function xorInto(dst: Uint8Array, src: Uint8Array, srcOffset = 0, len = dst.length): void {
  for (let i = 0; i < len; i++) dst[i] = (dst[i] as number) ^ (src[srcOffset + i] as number);
}

function hopSize(h: SphinxHop): number {
  return writeBigSize(BigInt(h.payload.length)).length + h.payload.length + HMAC_LEN;
}

/**
 * Builds the packet `version(0) || E_0 || hop_payloads || hmac` for `hops` (first hop first).
 * @throws RangeError when the payloads do not fit the largest packet.
 */
export function buildOnionMessagePacket(sessionKey: Uint8Array, hops: readonly SphinxHop[]): Uint8Array {
  if (hops.length === 0) throw new RangeError('an onion needs at least one hop');
  const total = hops.reduce((n, h) => n + hopSize(h), 0);
  const routingLen = total <= SMALL ? SMALL : LARGE;
  if (total > routingLen) throw new RangeError(`onion message payloads too long (${total} bytes)`);

  // Per-hop shared secrets, from the chain of ephemeral keys.
  const secrets: Uint8Array[] = [];
  let e = sessionKey;
  for (const h of hops) {
    const E = secp256k1.getPublicKey(e);
    const ss = sha256(secp256k1.pointMultiply(h.pubkey, e));
    secrets.push(ss);
    e = multiplySecretKeys(e, sha256(concatBytes(E, ss)));
  }

  // The filler: what the earlier hops' shifts push past the end, as each of them will see it.
  const fillerLen = total - hopSize(hops[hops.length - 1] as SphinxHop);
  const filler = new Uint8Array(fillerLen);
  let used = 0;
  for (let i = 0; i < hops.length - 1; i++) {
    const s = stream(key('rho', secrets[i] as Uint8Array), 2 * routingLen);
    const start = routingLen - used;
    used += hopSize(hops[i] as SphinxHop);
    xorInto(filler, s, start, used);
  }

  const routing = stream(key('pad', sessionKey), routingLen);
  let next = new Uint8Array(HMAC_LEN);
  for (let i = hops.length - 1; i >= 0; i--) {
    const h = hops[i] as SphinxHop;
    const frame = concatBytes(writeBigSize(BigInt(h.payload.length)), h.payload, next);
    routing.copyWithin(frame.length, 0, routingLen - frame.length);
    routing.set(frame, 0);
    xorInto(routing, stream(key('rho', secrets[i] as Uint8Array), routingLen));
    if (i === hops.length - 1) routing.set(filler, routingLen - fillerLen);
    next = hmac(sha256, key('mu', secrets[i] as Uint8Array), routing);
  }
  return concatBytes(new Uint8Array([0]), secp256k1.getPublicKey(sessionKey), routing, next);
}
