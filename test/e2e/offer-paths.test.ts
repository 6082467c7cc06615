/**
 * Offers of a node with only private channels, over the real socket: the offer carries a blinded path
 * from a public peer (the bridge's listincoming says which peers are public), the peer can decrypt its
 * hop and finds us next, our hop carries the path_id the daemon recognises; an invoice_request over it
 * is answered with an invoice whose payment path starts at that peer with its fees; one sent without the
 * path is refused. A node with a public channel makes offers without paths, as before.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, describe, expect, it } from 'vitest';
import { secp256k1 } from '../../src/crypto/secp256k1.js';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { decryptRecipientData } from '../../src/offers/blinding/route-blinding.js';
import { encodeBolt12String } from '../../src/offers/index.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { daemonBuilt, dropPgSchemas, E2E_DATABASES, startDaemonsKilledAfterEach, TEST_SEED, type TestDaemon } from '../helpers/daemon.js';
import { Bolt12Payer, invreqMessage, nodeSecretOf } from '../helpers/bolt12-payer.js';
import { clnChannel, PEER_A, PEER_B } from '../helpers/cln-facts.js';
import { TestPayer } from '../helpers/payer.js';

afterAll(dropPgSchemas);

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);
const PEER_A_SECRET = new Uint8Array(32).fill(0xa1);
const ecdhWith = (secret: Uint8Array) => ({ ecdh: (point: Uint8Array) => sha256(secp256k1.pointMultiply(point, secret)) });

/** Peer A public (features: route blinding 25, onion messages 39), peer B private-only (no node_announcement). */
const FEATURES = '008002000000'; // bits 39 and 25, big-endian
const CHANNELS = [
  clnChannel({ peer_id: PEER_A, short_channel_id: '100x1x0', private: true, remote: { fee_base_msat: 1000, fee_proportional_millionths: 200, cltv_expiry_delta: 40, htlc_minimum_msat: 1 } }),
  clnChannel({ peer_id: PEER_B, short_channel_id: '101x1x0', private: true }),
];
const INCOMING = [
  { id: PEER_A, short_channel_id: '100x1x0', incoming_capacity_msat: 9_000_000_000, peer_features: FEATURES, public: false, enabled: true },
  { id: PEER_B, short_channel_id: '101x1x0', incoming_capacity_msat: 99_000_000_000, public: false, enabled: true },
];

async function call(d: TestDaemon, method: string, params: unknown) {
  const r = await d.call(method, params);
  if (r.error) throw new Error(`${method}: ${JSON.stringify(r.error)}`);
  return r.result;
}

for (const db of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || db.skip)(`offers through a public peer (${db.name})`, () => {
    const start = startDaemonsKilledAfterEach();
    const opts = db.database ? { database: db.database } : {};

    it('only private channels: the offer has a path from the public peer, and is answered over it', async () => {
      const d = await start(opts);
      await call(d, 'setblockheight', [800_000]);
      await call(d, 'setnodefacts', { channels: CHANNELS, incoming: INCOMING });
      const offer = (await call(d, 'offer', { amount: 50_000, description: 'coffee' })).bolt12 as string;
      const dec = await call(d, 'decode', [offer]);
      expect(dec.offer_issuer_id).toBe(NODE_ID);
      expect(dec.offer_paths).toHaveLength(1);
      const path = dec.offer_paths[0];
      expect(path.first_node_id).toBe(PEER_A);
      expect(path.path).toHaveLength(2);
      // The peer decrypts its hop: forward to us.
      const hop0 = decryptRecipientData(ecdhWith(PEER_A_SECRET), fromHex(path.first_path_key), fromHex(path.path[0].encrypted_recipient_data));
      expect(toHex(hop0.fields.next_node_id!)).toBe(NODE_ID);
      // Our hop carries the path_id: what the bridge reports as pathsecret.
      const hop1 = decryptRecipientData(ecdhWith(nodeSecretOf(TEST_SEED)), hop0.next_path_key, fromHex(path.path[1].encrypted_recipient_data));
      const pathsecret = toHex(hop1.fields.path_id!);
      expect(pathsecret).toMatch(/^[0-9a-f]{64}$/);

      const payer = new Bolt12Payer(7);
      // Directly (no path): not for this offer.
      const direct = await call(d, 'onion_message_recv', invreqMessage(payer.request(offer).bytes));
      expect(direct.result).toBe('reply');
      expect(direct).toHaveProperty('invoice_error');
      // A wrong path secret: the same.
      const wrong = await call(d, 'onion_message_recv', invreqMessage(payer.request(offer).bytes, { pathsecret: '00'.repeat(32) }));
      expect(wrong).toHaveProperty('invoice_error');
      // Over our path: the invoice, whose payment path starts at the peer, with its fees and delta.
      const ok = await call(d, 'onion_message_recv', invreqMessage(payer.request(offer).bytes, { pathsecret }));
      expect(ok.result).toBe('reply');
      const inv = await call(d, 'decode', [encodeBolt12String('lni', fromHex(ok.invoice))]);
      expect(inv.invoice_paths).toHaveLength(1);
      const ip = inv.invoice_paths[0];
      expect(ip.first_node_id).toBe(PEER_A);
      expect(ip.path).toHaveLength(2);
      expect(ip.payinfo).toEqual({
        fee_base_msat: 1000,
        fee_proportional_millionths: 200,
        cltv_expiry_delta: 40 + 10, // the peer's delta + --cltv-final (regtest: 10)
        htlc_minimum_msat: 1,
        htlc_maximum_msat: 599_507_210,
        features: '',
      });
      // The peer's hop: relay terms and constraints (the invoice's last block + deltas + 1008).
      const p0 = decryptRecipientData(ecdhWith(PEER_A_SECRET), fromHex(ip.first_path_key), fromHex(ip.path[0].encrypted_recipient_data));
      expect(toHex(p0.fields.next_node_id!)).toBe(NODE_ID);
      expect(p0.fields.payment_relay).toEqual({ cltv_expiry_delta: 40, fee_proportional_millionths: 200, fee_base_msat: 1000 });
      expect(p0.fields.payment_constraints).toEqual({ max_cltv_expiry: 1008 + 800_000 + 7200 / 600 + 40 + 10, htlc_minimum_msat: 1n });
      // Our hop: the payment's path_id, which htlc_accepted checks.
      const p1 = decryptRecipientData(ecdhWith(nodeSecretOf(TEST_SEED)), p0.next_path_key, fromHex(ip.path[1].encrypted_recipient_data));
      const base = nodeKeysFromSeed(TEST_SEED).deriveSecret('bolt12-invoice-base');
      expect(toHex(p1.fields.path_id!)).toBe(toHex(sha256(new Uint8Array([...base, ...fromHex(inv.invoice_payment_hash)]))));
      // Paid through the peer: CLN hands the final hop's path_id over as payment_secret.
      const [htlc] = new TestPayer({ blockheight: 800_000 }).pay(
        { payment_hash: fromHex(inv.invoice_payment_hash), amount_msat: 50_000n, min_final_cltv_expiry: 10 },
        { payment_secret: p1.fields.path_id! },
      );
      expect((await call(d, 'htlc_accepted', htlc)).result).toBe('resolve');
    });

    it('a node with a public channel, or before any facts: offers without paths, as before', async () => {
      const d = await start(opts);
      const before = (await call(d, 'offer', { amount: 1000, description: 'a' })).bolt12 as string;
      expect(await call(d, 'decode', [before])).not.toHaveProperty('offer_paths');
      await call(d, 'setnodefacts', {
        getinfo: { address: [{ type: 'ipv4', address: '203.0.113.5', port: 9735 }] },
        channels: [...CHANNELS, clnChannel({ peer_id: PEER_B, short_channel_id: '102x1x0', private: false })],
        incoming: INCOMING,
      });
      const after = (await call(d, 'offer', { amount: 1000, description: 'b' })).bolt12 as string;
      expect(await call(d, 'decode', [after])).not.toHaveProperty('offer_paths');
    });

    it('only private channels and no public peer: no path (logged)', async () => {
      const d = await start(opts);
      await call(d, 'setnodefacts', { channels: CHANNELS, incoming: INCOMING.map((e) => ({ ...e, peer_features: undefined })) });
      const o = (await call(d, 'offer', { amount: 1000, description: 'c' })).bolt12 as string;
      expect(await call(d, 'decode', [o])).not.toHaveProperty('offer_paths');
      await d.waitForLog('No incoming channel to public peer, so no blinded path');
    });
  });
}
