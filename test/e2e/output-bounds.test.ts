/**
 * The built daemon under clients that pipeline large listings and never read (issue "under faults and
 * hostile clients" item 1): listings that are not streamed (`index=updated`) are built whole, and their
 * size counts only once built; a connection runs one at a time, so the daemon's memory stays bounded
 * (its peak RSS, /proc/<pid>/status VmHWM), another connection is served meanwhile, and once the clients
 * read they get every answer, in order.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { daemonBuilt, startDaemonsKilledAfterEach } from '../helpers/daemon.js';
import { RawClient, req, settled } from '../rpc/socket-client.js';

const start = startDaemonsKilledAfterEach();

/** A line of /proc/<pid>/status, in bytes. */
function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

describe.skipIf(!daemonBuilt() || !fs.existsSync('/proc/self/status'))('clients pipelining large listings that never read', () => {
  it('keep the daemon within bounded memory, others are served meanwhile, and they get every answer in order', async () => {
    const d = await start({});
    const pid = d.proc.pid!;
    const N = 600;
    const maker = await RawClient.connect(d.socketPath);
    await maker.write(
      Array.from({ length: N }, (_, i) => req(i, 'invoice', { amount_msat: 1000 + i, label: `l${i}`, description: 'x'.repeat(400) })).join(''),
    );
    await maker.waitResponses(N);
    expect(maker.responses.filter((r) => r['error'] !== undefined)).toEqual([]);
    maker.socket.destroy();
    const listing = { index: 'updated' };
    const one = await d.call('listinvoices', listing);
    const answerBytes = JSON.stringify(one.result).length;
    expect(answerBytes).toBeGreaterThan(400_000);
    const before = procKb(pid, 'VmHWM');

    const R = 20;
    const hogs = await Promise.all(Array.from({ length: 4 }, () => RawClient.connect(d.socketPath)));
    for (const h of hogs) {
      h.socket.pause();
      void h.write(Array.from({ length: R }, (_, i) => req(i, 'listinvoices', listing)).join(''));
    }
    // Served meanwhile, on a connection of its own.
    const other = await RawClient.connect(d.socketPath);
    await other.write(req('x', 'getinfo'));
    await other.waitResponses(1);
    expect(other.responses[0]!['result']).toHaveProperty('id');
    // The peak RSS once it stops growing (checked over 2 s of real turns): 80 answers of ~0.9 MB were
    // asked for; what may be held is per connection one being built and about two waiting to be read.
    const peak = await settled(() => procKb(pid, 'VmHWM'), { checks: 40, everyMs: 50 });
    expect(peak - before).toBeLessThan(4 * R * answerBytes / 4);
    await other.write(req('y', 'getinfo'));
    await other.waitResponses(2);
    expect(other.responses[1]!['result']).toHaveProperty('id');

    for (const h of hogs) h.socket.resume();
    for (const h of hogs) {
      await h.waitResponses(R);
      expect(h.responses.map((r) => r['id'])).toEqual(Array.from({ length: R }, (_, i) => i));
      for (const r of h.responses) expect((r['result'] as { invoices: unknown[] }).invoices).toHaveLength(N);
      h.socket.destroy();
    }
    other.socket.destroy();
  }, 120_000);
});
