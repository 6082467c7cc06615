/**
 * Sending an onion message from this node, as Core Lightning's offers plugin does
 * (common/onion_message.c `outgoing_onion_message`): find the nodes from us to the introduction node
 * (or the destination), blind that route ourselves, hand the last of our hops the recipient's
 * `first_path_key` (`next_path_key_override`) and continue along the recipient's own blinded hops; the
 * final hop's payload carries the message fields. The onion is injected with `injectonionmessage`, whose
 * first hop is us: lightningd peels our layer and forwards it to the next peer.
 */
import { randomBytes } from 'node:crypto';
import { secp256k1 } from '../../crypto/secp256k1.js';
import { buildBlindedPath, encodeEncryptedData, encodeRecord, type BlindedHop } from '../../offers/index.js';
import { concatBytes } from '../../util/bytes.js';
import { fromHex, toHex } from '../../util/hex.js';
import { nodeOfScid, pathToNode, type PathFinderDeps } from './onion-path.js';
import { buildOnionMessagePacket } from './sphinx.js';

/** onionmsg_tlv types (BOLT 4 / BOLT 12). */
export const ONIONMSG = { reply_path: 2n, encrypted_recipient_data: 4n, invoice_request: 64n, invoice: 66n, invoice_error: 68n } as const;

/** A blinded path in CLN's JSON form (the hook's `reply_blindedpath`, the outbox's paths). */
export interface JsonBlindedPath {
  readonly first_node_id?: string;
  readonly first_scid?: string;
  readonly first_scid_dir?: number;
  readonly first_path_key: string;
  readonly hops: ReadonlyArray<{ readonly blinded_node_id: string; readonly encrypted_recipient_data: string }>;
}

/** One field of the final payload, besides `encrypted_recipient_data`. */
export interface MessageField {
  readonly type: bigint;
  readonly value: Uint8Array;
}

export interface OnionSenderDeps extends PathFinderDeps {
  readonly random?: (n: number) => Uint8Array;
}

export class OnionSender {
  private readonly random: (n: number) => Uint8Array;
  constructor(private readonly deps: OnionSenderDeps) {
    this.random = deps.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  /** Sends `fields` along the recipient's blinded path. */
  async sendToPath(path: JsonBlindedPath, fields: readonly MessageField[]): Promise<void> {
    const intro =
      path.first_node_id ??
      (path.first_scid !== undefined ? await nodeOfScid(this.deps.lightning, path.first_scid, path.first_scid_dir ?? 0) : undefined);
    if (intro === undefined) throw new Error('blinded path without an introduction node');
    const route = await pathToNode(this.deps, intro);
    const theirs: BlindedHop[] = path.hops.map((h) => ({ blinded_node_id: fromHex(h.blinded_node_id, 33), encrypted_recipient_data: fromHex(h.encrypted_recipient_data) }));
    let firstPathKey = fromHex(path.first_path_key, 33);
    let hops = theirs;
    if (route.length > 1) {
      // Our hops up to (not including) the introduction node; the last one tells it the recipient's path key.
      const ours = route.slice(0, -1).map((node, i) =>
        ({
          node_id: fromHex(node, 33),
          encrypted_data: encodeEncryptedData({
            next_node_id: fromHex(route[i + 1] as string, 33),
            ...(i === route.length - 2 ? { next_path_key_override: firstPathKey } : {}),
          }),
        }),
      );
      const p = buildBlindedPath(this.sessionKey(), ours);
      firstPathKey = p.first_path_key;
      hops = [...p.path, ...theirs];
    }
    await this.inject(firstPathKey, hops, fields);
  }

  /** Sends `fields` straight to `nodeId` (no blinded path of theirs): we blind the whole route. */
  async sendToNode(nodeId: string, fields: readonly MessageField[]): Promise<void> {
    const route = await pathToNode(this.deps, nodeId);
    const p = buildBlindedPath(
      this.sessionKey(),
      route.map((node, i) => ({
        node_id: fromHex(node, 33),
        encrypted_data: encodeEncryptedData(i < route.length - 1 ? { next_node_id: fromHex(route[i + 1] as string, 33) } : {}),
      })),
    );
    await this.inject(p.first_path_key, p.path, fields);
  }

  private sessionKey(): Uint8Array {
    for (;;) {
      const k = this.random(32);
      if (secp256k1.isValidSecretKey(k)) return k;
    }
  }

  private async inject(pathKey: Uint8Array, hops: readonly BlindedHop[], fields: readonly MessageField[]): Promise<void> {
    const last = hops.length - 1;
    const payloads = hops.map((h, i) => {
      const recs = [{ type: ONIONMSG.encrypted_recipient_data, value: h.encrypted_recipient_data }, ...(i === last ? fields : [])];
      recs.sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
      return { pubkey: h.blinded_node_id, payload: concatBytes(...recs.map((r) => encodeRecord(r.type, r.value).bytes)) };
    });
    const packet = buildOnionMessagePacket(this.sessionKey(), payloads);
    await this.deps.lightning.call('injectonionmessage', { path_key: toHex(pathKey), message: toHex(packet) });
  }
}
