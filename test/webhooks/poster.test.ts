/**
 * The webhook poster against a real local HTTP server: on its own thread (the built worker, as the daemon
 * runs it) and on the calling thread (from sources). A run posts its requests in order and stops after the
 * first failure; each outcome is the HTTP status or why there was none (refused, timed out); headers and
 * body go as given; several runs go on at once; close ends an attempt in flight.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as source from '../../src/webhooks/poster.js';
import { signBody } from '../../src/webhooks/signature.js';

const BUILT = new URL('../../dist/src/webhooks/poster.js', import.meta.url);
type PosterModule = typeof source;

const VARIANTS: Array<{ name: string; load: () => Promise<PosterModule>; skip: boolean }> = [
  { name: 'thread (built)', load: async () => (await import(BUILT.href)) as PosterModule, skip: !fs.existsSync(BUILT) },
  { name: 'in-thread', load: async () => source, skip: false },
];

for (const v of VARIANTS) {
  describe.skipIf(v.skip)(`webhook poster, ${v.name}`, () => {
    let server: http.Server;
    let url: string;
    const seen: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
    const hung: http.ServerResponse[] = [];

    beforeEach(async () => {
      seen.length = 0;
      server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          seen.push({ path: req.url ?? '', headers: req.headers, body });
          if (req.url === '/hang') return void hung.push(res);
          if (req.url === '/created') return void res.writeHead(201).end();
          // An answer with a body that comes in many chunks: the status is the outcome, the body is dropped.
          if (req.url === '/body') return void res.writeHead(200).end('x'.repeat(256 * 1024));
          res.writeHead(req.url === '/refuse' ? 503 : 204).end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('posts a run in order with its headers and bodies, and stops after the first failure', async () => {
      const { createPoster } = await v.load();
      const p = createPoster({ timeoutMs: 10_000 });
      const req = (path: string, body: string) => ({ url: `${url}/${path}`, headers: { 'content-type': 'application/json', 'x-test': body }, body });
      try {
        const run = await p.postInOrder([req('ok', '1'), req('ok', '2'), req('refuse', '3'), req('ok', '4')]);
        expect(run.map(({ status, error }) => ({ status, error }))).toEqual([
          { status: 204, error: null },
          { status: 204, error: null },
          { status: 503, error: 'HTTP 503' },
        ]);
        expect(run.every((r) => r.seconds >= 0)).toBe(true);
        expect(seen.map((r) => [r.path, r.body, r.headers['x-test'], r.headers['content-type']])).toEqual([
          ['/ok', '1', '1', 'application/json'],
          ['/ok', '2', '2', 'application/json'],
          ['/refuse', '3', '3', 'application/json'],
        ]);
        expect(await p.postInOrder([])).toEqual([]);
        // Several runs at once, each answered as its own.
        const many = await Promise.all(Array.from({ length: 20 }, (_, i) => p.postInOrder([req(i % 2 ? 'ok' : 'refuse', String(i))])));
        expect(many.map((r) => r.map((x) => x.status))).toEqual(Array.from({ length: 20 }, (_, i) => [i % 2 ? 204 : 503]));
      } finally {
        await p.close();
      }
    });

    it('takes any 2xx, an answer with a long body included, and signs what asks to be', async () => {
      const { createPoster } = await v.load();
      const p = createPoster({ timeoutMs: 10_000, secret: 'k' });
      try {
        const run = await p.postInOrder([
          { url: `${url}/created`, headers: {}, body: 'a', sign: true },
          { url: `${url}/body`, headers: {}, body: 'b' },
          { url: `${url}/ok`, headers: {}, body: 'c', sign: true },
        ]);
        expect(run.map(({ status, error }) => ({ status, error }))).toEqual([
          { status: 201, error: null },
          { status: 200, error: null },
          { status: 204, error: null },
        ]);
        expect(seen.map((r) => [r.body, r.headers['x-invoiced-signature']])).toEqual([
          ['a', signBody('k', 'a')],
          ['b', undefined],
          ['c', signBody('k', 'c')],
        ]);
      } finally {
        await p.close();
      }
      const unsigned = createPoster({ timeoutMs: 10_000 });
      try {
        const [r] = await unsigned.postInOrder([{ url: `${url}/ok`, headers: {}, body: 'd', sign: true }]);
        expect(r).toMatchObject({ status: null, error: 'a webhook request asks to be signed, but the poster has no secret' });
      } finally {
        await unsigned.close();
      }
    });

    it('says why there was no answer: refused, or timed out after its limit', async () => {
      const { createPoster } = await v.load();
      const p = createPoster({ timeoutMs: 300 });
      // The refusal with a limit no stall reaches: within 300 ms a loaded machine may not have read the RST.
      const patient = createPoster({ timeoutMs: 60_000 });
      try {
        const dead = await new Promise<string>((resolve) => {
          const s = http.createServer().listen(0, '127.0.0.1', () => {
            const u = `http://127.0.0.1:${(s.address() as AddressInfo).port}/`;
            s.close(() => resolve(u));
          });
        });
        const [refused] = await patient.postInOrder([{ url: dead, headers: {}, body: 'x' }]);
        expect(refused!.status).toBeNull();
        expect(refused!.error).toMatch(/ECONNREFUSED/);
        const [hung] = await p.postInOrder([{ url: `${url}/hang`, headers: {}, body: 'x' }]);
        expect(hung).toMatchObject({ status: null, error: 'timed out after 300 ms' });
      } finally {
        await p.close();
        await patient.close();
      }
    });

    it('close ends an attempt in flight with an error', async () => {
      const { createPoster } = await v.load();
      const p = createPoster({ timeoutMs: 60_000 });
      const attempt = p.postInOrder([{ url: `${url}/hang`, headers: {}, body: 'x' }, { url: `${url}/ok`, headers: {}, body: 'y' }]);
      await expect.poll(() => seen.length, { timeout: 15_000 }).toBe(1);
      await p.close();
      const r = await attempt;
      expect(r).toHaveLength(1); // the second was not made
      expect(r[0]!.status).toBeNull();
      expect(r[0]!.error).not.toBeNull();
      expect(seen).toHaveLength(1);
    });
  });
}
