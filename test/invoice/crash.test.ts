/**
 * Durability: a child process creating invoices is killed with SIGKILL mid-stream. After reopening, every
 * invoice whose creation was acknowledged is present with its preimage, the created indexes are 1..N with
 * no gap, and the counter agrees with them.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { toHex } from '../../src/util/hex.js';
import { REPO_ROOT } from '../helpers/daemon.js';
import { DIALECTS, openTestDatabase, startTestEngine, type TestDatabase } from '../helpers/db.js';

/**
 * The writer as built by `npm run build` (tsconfig.build.json includes it): a compiled child starts in
 * about a second, where transpiling its imports on the fly took tens of seconds on a busy machine.
 */
const WRITER = path.join(REPO_ROOT, 'dist/test/fixtures/crash-writer.js');
/** A generous bound for the whole test: it waits for acknowledgements and exits, never for time. */
const TEST_TIMEOUT_MS = 180_000;

interface Ack {
  label: string;
  preimage: string;
  created_index: number;
}

/** Runs the writer until it acknowledged `count` creations (twice over, one run after another), then SIGKILLs it. */
function runAndKill(openOptions: object, prefix: string, count: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, JSON.stringify(openOptions), prefix], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acks: Ack[] = [];
    let buf = '';
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const m = /^ack (\S+) ([0-9a-f]{64}) (\d+)$/.exec(line);
        if (m) acks.push({ label: m[1]!, preimage: m[2]!, created_index: Number(m[3]) });
        if (!killed && acks.length >= count) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolve(acks);
      else reject(new Error(`writer exited early (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

for (const dialect of DIALECTS) {
  describe.skipIf(!dialect.available || !fs.existsSync(WRITER))(`crash durability on ${dialect.name}`, () => {
    let t: TestDatabase | undefined;
    afterEach(async () => {
      await t?.cleanup();
      t = undefined;
    });

    it('every acknowledged invoice survives SIGKILL, with contiguous indexes', async () => {
      t = await openTestDatabase(dialect);
      await t.db.close(); // the child owns the database while it runs
      const first = await runAndKill(t.openOptions, 'one', 300);
      const second = await runAndKill(t.openOptions, 'two', 200);
      const { engine } = await startTestEngine(await t.openAnother());
      try {
        const rows = await engine.list({});
        const byLabel = new Map(rows.map((r) => [r.label, r]));
        for (const ack of [...first, ...second]) {
          const row = byLabel.get(ack.label);
          expect(row, ack.label).toBeDefined();
          expect(toHex(row!.payment_preimage)).toBe(ack.preimage);
          expect(row!.created_index).toBe(ack.created_index);
        }
        expect(rows.map((r) => r.created_index)).toEqual(Array.from({ length: rows.length }, (_, i) => i + 1));
        expect((await engine.counts()).created_index).toBe(rows.length);
        expect(rows.length).toBeGreaterThanOrEqual(first.length + second.length);
        // The second run continued after the first's last committed index.
        const maxFirst = Math.max(...rows.filter((r) => r.label.startsWith('one-')).map((r) => r.created_index));
        const minSecond = Math.min(...rows.filter((r) => r.label.startsWith('two-')).map((r) => r.created_index));
        expect(minSecond).toBe(maxFirst + 1);
      } finally {
        await engine.close();
      }
    }, TEST_TIMEOUT_MS);
  });
}
