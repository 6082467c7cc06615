/**
 * `invoice-cli -Q`: the QR code printed after a bolt11 or bolt12 result scans back to that string. The
 * printed half blocks are turned into an image and read by the `qr` package's decoder, an independent
 * check that what a wallet sees is the invoice (upper case, which BOLT 11 and 12 readers accept).
 */
import decodeQR from 'qr/decode.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, daemonBuilt, runScript, startDaemon, type TestDaemon } from '../helpers/daemon.js';

/** Half-block text (two module rows per line, light as blocks) → an RGB image, `scale` pixels a module. */
function imageOf(text: string, scale = 4): { width: number; height: number; data: Uint8Array } {
  const rows: boolean[][] = []; // true = light
  for (const line of text.split('\n').filter((l) => l.length > 0)) {
    const chars = [...line];
    rows.push(chars.map((c) => c === '█' || c === '▀'));
    rows.push(chars.map((c) => c === '█' || c === '▄'));
  }
  const margin = 4; // extra light border around the printed quiet zone
  const w = (rows[0]!.length + 2 * margin) * scale;
  const h = (rows.length + 2 * margin) * scale;
  const data = new Uint8Array(w * h * 3).fill(255);
  rows.forEach((row, y) =>
    row.forEach((light, x) => {
      if (light) return;
      for (let dy = 0; dy < scale; dy++)
        for (let dx = 0; dx < scale; dx++) {
          const i = (((y + margin) * scale + dy) * w + (x + margin) * scale + dx) * 3;
          data.fill(0, i, i + 3);
        }
    }),
  );
  return { width: w, height: h, data };
}

describe.skipIf(!daemonBuilt())('invoice-cli --qr', () => {
  let d: TestDaemon;
  const cli = (...args: string[]) => runScript(CLI_MAIN, [`--datadir=${d.datadir}`, '--network=regtest', ...args]);

  beforeAll(async () => {
    d = await startDaemon();
  });
  afterAll(async () => {
    await d.stop();
  });

  it('prints a QR code of a bolt11 invoice after the JSON result', async () => {
    const r = await cli('-Q', 'invoice', '1000', 'qr-1', 'A coffee');
    expect(r.code).toBe(0);
    const end = r.stdout.indexOf('\n}\n') + 3;
    const bolt11 = JSON.parse(r.stdout.slice(0, end)).bolt11 as string;
    expect(decodeQR(imageOf(r.stdout.slice(end)))).toBe(bolt11.toUpperCase());
  });

  it('prints a QR code of a bolt12 offer (--qr)', async () => {
    const r = await cli('--qr', 'offer', '1000', 'A tea');
    expect(r.code).toBe(0);
    const end = r.stdout.indexOf('\n}\n') + 3;
    const bolt12 = JSON.parse(r.stdout.slice(0, end)).bolt12 as string;
    expect(bolt12).toMatch(/^lno1/);
    expect(decodeQR(imageOf(r.stdout.slice(end)))).toBe(bolt12.toUpperCase());
  });

  it('says so on stderr when the result has nothing to show, and exits 0', async () => {
    const r = await cli('-Q', 'getinfo');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).network).toBe('regtest');
    expect(r.stderr).toBe('invoice-cli: --qr: the result has no bolt11 or bolt12 to show\n');
  });
});
