/**
 * `<datadir>/webhook_secret`: the HMAC-SHA256 key webhooks are signed with. 64 hex digits (32 random
 * bytes), and the key is that text itself, so a receiver pastes the file's contents into its verifier.
 * Created on first start as hsm_secret is (hsm-secret.ts): O_CREAT|O_EXCL (never overwrites, also under a
 * race), mode 0600, file and directory fsynced; a file that group or others may read is refused.
 */
import { constants as fsConstants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createSecretFile, errnoOf as codeOf, messageOf } from '../util/secret-file.js';
import type { RandomSource } from '../util/clock.js';
import { toHex } from '../util/hex.js';

const SECRET_RE = /^[0-9a-f]{64}$/;

/** Reads the secret at `path`, creating it from `random` when missing. Throws with a message naming the file. */
export async function loadWebhookSecret(path: string, random: RandomSource): Promise<string> {
  let fh: FileHandle;
  try {
    fh = await open(path, fsConstants.O_RDONLY);
  } catch (e) {
    if (codeOf(e) !== 'ENOENT') throw new Error(`webhook_secret ${path}: cannot open: ${messageOf(e)}`);
    await createSecret(path, random);
    fh = await open(path, fsConstants.O_RDONLY).catch((err: unknown) => {
      throw new Error(`webhook_secret ${path}: cannot open: ${messageOf(err)}`);
    });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`webhook_secret ${path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new Error(`webhook_secret ${path} is accessible by group or others (mode ${(st.mode & 0o777).toString(8)}): run chmod 0600 ${path}`);
    }
    const text = (await fh.readFile('utf8')).trim();
    if (!SECRET_RE.test(text)) throw new Error(`webhook_secret ${path}: should hold 64 lowercase hex digits`);
    return text;
  } finally {
    await fh.close();
  }
}

async function createSecret(path: string, random: RandomSource): Promise<void> {
  const bytes = random(32);
  if (bytes.length !== 32) throw new Error('random source returned the wrong length');
  try {
    await createSecretFile(path, toHex(bytes), 0o600, 'webhook_secret');
  } finally {
    bytes.fill(0);
  }
}
