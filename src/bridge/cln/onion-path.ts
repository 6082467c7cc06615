/**
 * Finding how to reach a node with an onion message, as Core Lightning's offers plugin does
 * (plugins/establish_onion_path.c): ourselves is trivial; a connected peer that supports onion messages
 * is one hop; otherwise the shortest path through the gossip graph over nodes that announce onion-message
 * support (connected peers count as edges); otherwise connect to it directly, unless the node runs with
 * `fetchinvoice-noconnect`.
 */
import { toPlain } from '../../rpc/json-reader.js';
import type { Log } from './log.js';
import type { RpcSocket } from './rpc-socket.js';

/** BOLT 9 `option_onion_messages`, bits 38/39. */
const ONION_MESSAGES_BIT = 38;

/** True when the hex feature vector sets bit `bit` or `bit + 1`. */
export function hasFeature(hex: string | undefined, bit: number): boolean {
  if (!hex) return false;
  const bytes = Buffer.from(hex, 'hex');
  const test = (b: number) => {
    const i = bytes.length - 1 - Math.floor(b / 8);
    return i >= 0 && ((bytes[i] as number) & (1 << b % 8)) !== 0;
  };
  return test(bit) || test(bit + 1);
}

interface Peer {
  id: string;
  connected: boolean;
  features?: string;
}
interface Channel {
  source: string;
  destination: string;
  active?: boolean;
}
interface Node {
  nodeid: string;
  features?: string;
}

/** Why no path could be found (the reason an outbox entry fails with). */
export class NoPath extends Error {
  override readonly name = 'NoPath';
}

export interface PathFinderDeps {
  readonly lightning: RpcSocket;
  /** Our node id, hex. */
  readonly ourId: string;
  /** CLN's `fetchinvoice-noconnect`: never open a new connection to send. */
  readonly noconnect: boolean;
  readonly log: Log;
}

/** The nodes from us to `dst`, both included (hex node ids). */
export async function pathToNode(deps: PathFinderDeps, dst: string): Promise<string[]> {
  const { lightning, ourId } = deps;
  if (dst === ourId) return [ourId];
  const peers = ((await lightning.callPlain('listpeers')) as { peers: Peer[] }).peers;
  const connected = peers.filter((p) => p.connected && hasFeature(p.features, ONION_MESSAGES_BIT)).map((p) => p.id);
  if (connected.includes(dst)) return [ourId, dst];
  const viaGossip = await gossipPath(deps, connected, dst);
  if (viaGossip) return viaGossip;
  if (deps.noconnect) throw new NoPath(`no onion-message path to ${dst}, and fetchinvoice-noconnect is set: not initiating a new connection`);
  deps.log.debug(`connecting directly to ${dst} to send an onion message`);
  try {
    await lightning.call('connect', { id: dst });
  } catch (e) {
    throw new NoPath(`no onion-message path to ${dst}, and connecting failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return [ourId, dst];
}

/** Breadth-first over public channels whose far end announces onion messages. */
async function gossipPath(deps: PathFinderDeps, connected: readonly string[], dst: string): Promise<string[] | undefined> {
  const { lightning, ourId } = deps;
  const nodes = ((await lightning.callPlain('listnodes')) as { nodes: Node[] }).nodes;
  const capable = new Set(nodes.filter((n) => hasFeature(n.features, ONION_MESSAGES_BIT)).map((n) => n.nodeid));
  if (!capable.has(dst)) return undefined;
  const channels = ((await lightning.callPlain('listchannels')) as { channels: Channel[] }).channels;
  const edges = new Map<string, string[]>();
  const add = (a: string, b: string) => {
    const l = edges.get(a);
    if (l) l.push(b);
    else edges.set(a, [b]);
  };
  for (const c of channels) if (c.active !== false && capable.has(c.destination)) add(c.source, c.destination);
  for (const p of connected) add(ourId, p);
  const prev = new Map<string, string>([[ourId, '']]);
  const queue = [ourId];
  while (queue.length) {
    const n = queue.shift() as string;
    if (n === dst) break;
    for (const m of edges.get(n) ?? []) {
      if (prev.has(m)) continue;
      prev.set(m, n);
      queue.push(m);
    }
  }
  if (!prev.has(dst)) return undefined;
  const path = [dst];
  for (let n = prev.get(dst) as string; n !== ''; n = prev.get(n) as string) path.unshift(n);
  return path;
}

/** The node at end `dir` of channel `scid` (BOLT 7: direction 0 is the lesser node id). */
export async function nodeOfScid(lightning: RpcSocket, scid: string, dir: number): Promise<string> {
  const res = toPlain(await lightning.call('listchannels', { short_channel_id: scid })) as { channels: Channel[] };
  const c = res.channels[0];
  if (!c) throw new NoPath(`unknown channel ${scid} for the reply path's introduction node`);
  const [a, b] = [c.source, c.destination].sort();
  return (dir === 0 ? a : b) as string;
}
