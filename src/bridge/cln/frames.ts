/** Splitting a byte stream of concatenated JSON messages (CLN's framing) for the plugin's two readers. */
import type { JsonFramer } from '../../rpc/json-framer.js';

/** Pushes `chunk` into `framer` and hands on each complete message; a stream that cannot be JSON ends with `onBad` once. */
export function feedFrames(framer: JsonFramer, chunk: Uint8Array, onMessage: (text: string) => void, onBad: (why: string) => void): void {
  framer.push(chunk);
  for (let f = framer.next(); f; f = framer.next()) {
    if (f.type !== 'message') return onBad(f.type);
    onMessage(f.text);
  }
}
