/**
 * The node secret seed. The reader of the `hsm_secret` file lives in hsm-secret.ts; this module is the
 * daemon's single seam to it, so tests can inject a seed without a file.
 */
import { loadHsmSecret } from './hsm-secret.js';

/** Reads (or, with `create`, makes) the secret file and returns the 32-byte seed. */
export type SeedLoader = (path: string, opts: { create: boolean }) => Promise<Uint8Array>;

export const loadSeed: SeedLoader = loadHsmSecret;
