/**
 * The receiving side of an onion message, for tests: what each node on the path does with the packet
 * lightningd was asked to inject. Written from BOLT 4 independently of src/bridge/cln/sphinx.ts (which
 * only builds), so a test of the plugin's onions checks them against the spec, not against themselves.
 */
import { createCipheriv } from 'node:crypto';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { multiplySecretKeys, secp256k1 } from '../../src/crypto/secp256k1.js';
import { decryptRecipientData, readBigSize, type BlindedPath, type DecryptedHop } from '../../src/offers/index.js';
import { concatBytes, equalBytes, utf8 } from '../../src/util/bytes.js';
import { toHex } from '../../src/util/hex.js';
import { readRecords, type RawRecord } from '../helpers/bolt12-verify.js';

export interface Peeled {
  /** This hop's onionmsg_tlv records. */
  readonly records: readonly RawRecord[];
  /** Its encrypted_recipient_data, decrypted. */
  readonly hop: DecryptedHop;
  /** The packet for the next hop, when there is one (its HMAC is not all zeros). */
  readonly next?: Uint8Array;
}

const label = (l: string, ss: Uint8Array) => hmac(sha256, utf8(l), ss);

/** What the node with `nodeSecret`, receiving `packet` with path key `pathKey`, reads and forwards. */
export function peelOnionMessage(packet: Uint8Array, pathKey: Uint8Array, nodeSecret: Uint8Array): Peeled {
  if (packet[0] !== 0) throw new Error('unknown onion version');
  const E = packet.subarray(1, 34);
  const routing = packet.subarray(34, packet.length - 32);
  const mac = packet.subarray(packet.length - 32);
  // Route blinding: our blinded key is HMAC("blinded_node_id", SHA256(k·path_key)) · k.
  const ssBlind = sha256(secp256k1.pointMultiply(pathKey, nodeSecret));
  const blindedSecret = multiplySecretKeys(nodeSecret, label('blinded_node_id', ssBlind));
  const ss = sha256(secp256k1.pointMultiply(E, blindedSecret));
  if (!equalBytes(hmac(sha256, label('mu', ss), routing), mac)) throw new Error('onion HMAC mismatch');
  const c = createCipheriv('chacha20', label('rho', ss), new Uint8Array(16));
  const plain = new Uint8Array(c.update(concatBytes(routing, new Uint8Array(routing.length))));
  const lenBytes = plain[0]! < 0xfd ? 1 : plain[0] === 0xfd ? 3 : plain[0] === 0xfe ? 5 : 9;
  const len = Number(readBigSize(plain.subarray(0, lenBytes)));
  const payload = plain.subarray(lenBytes, lenBytes + len);
  const nextMac = plain.subarray(lenBytes + len, lenBytes + len + 32);
  const records = readRecords(payload);
  const enc = records.find((r) => r.type === 4n);
  if (!enc) throw new Error('no encrypted_recipient_data');
  const hop = decryptRecipientData({ ecdh: (p) => sha256(secp256k1.pointMultiply(p, nodeSecret)) }, pathKey, enc.value);
  if (nextMac.every((b) => b === 0)) return { records, hop };
  const nextE = secp256k1.pointMultiply(E, sha256(concatBytes(E, ss)));
  const next = concatBytes(new Uint8Array([0]), nextE, plain.subarray(lenBytes + len + 32, lenBytes + len + 32 + routing.length), nextMac);
  return { records, hop, next };
}

/** A blinded path in CLN's JSON form, as the hooks carry `reply_blindedpath`. */
export function jsonBlindedPath(p: BlindedPath): Record<string, unknown> {
  if (!('node_id' in p.first_node_id)) throw new Error('test paths start at a node id');
  return {
    first_node_id: toHex(p.first_node_id.node_id),
    first_path_key: toHex(p.first_path_key),
    hops: p.path.map((h) => ({ blinded_node_id: toHex(h.blinded_node_id), encrypted_recipient_data: toHex(h.encrypted_recipient_data) })),
  };
}
