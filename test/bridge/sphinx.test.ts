import { describe, expect, it } from 'vitest';
import { buildOnionMessagePacket } from '../../src/bridge/cln/sphinx.js';
import { encodeRecord } from '../../src/offers/index.js';
import { concatBytes } from '../../src/util/bytes.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { loadVector } from '../helpers/vectors.js';

interface Vector {
  generate: { session_key: string };
  route: { hops: Array<{ blinded_node_id: string; encrypted_recipient_data: string }> };
  onionmessage: { unknown_tag_1: string; onion_message_packet: string };
}

describe('onion message packet (bolt04/blinded-onion-message-onion-test.json)', () => {
  const v = loadVector<Vector>('blinded-onion-message-onion-test.json');
  const hops = v.route.hops.map((h, i, all) => ({
    pubkey: fromHex(h.blinded_node_id),
    payload: concatBytes(
      ...(i === all.length - 1 ? [encodeRecord(1n, fromHex(v.onionmessage.unknown_tag_1)).bytes] : []),
      encodeRecord(4n, fromHex(h.encrypted_recipient_data)).bytes,
    ),
  }));

  it('builds exactly the vector packet', () => {
    expect(toHex(buildOnionMessagePacket(fromHex(v.generate.session_key), hops))).toBe(v.onionmessage.onion_message_packet);
  });

  it('uses the large packet when the payloads do not fit 1300 bytes, and refuses what fits neither', () => {
    const big = [{ pubkey: hops[0]!.pubkey, payload: new Uint8Array(2000) }];
    expect(buildOnionMessagePacket(fromHex(v.generate.session_key), big).length).toBe(1 + 33 + 32768 + 32);
    expect(() => buildOnionMessagePacket(fromHex(v.generate.session_key), [{ pubkey: hops[0]!.pubkey, payload: new Uint8Array(40000) }])).toThrow(
      /too long/,
    );
  });
});
