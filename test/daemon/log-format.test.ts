/**
 * Log formats: JSON by default, readable lines in local time with `pretty`, and `auto` choosing pretty
 * only for a terminal. Redaction applies to both forms.
 */
import { Writable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDaemonLogger, resolveLogFormat } from '../../src/daemon/logger.js';

function capture(): { stream: Writable; text(): string } {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => out };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('log format', () => {
  it('auto: pretty on a terminal, JSON to a file or a pipe (journald)', () => {
    expect(resolveLogFormat('auto', false, true)).toBe('pretty');
    expect(resolveLogFormat('auto', false, false)).toBe('json');
    expect(resolveLogFormat('auto', true, true)).toBe('json');
    expect(resolveLogFormat('json', false, true)).toBe('json');
    expect(resolveLogFormat('pretty', true, false)).toBe('pretty');
  });

  it('pretty: one readable line per entry, in local time, module first, secrets redacted', async () => {
    // A zone half an hour off UTC, so local time cannot pass for UTC.
    const tz = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    onTestFinished(() => {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    });
    const c = capture();
    const before = new Date();
    const log = createDaemonLogger({ level: 'info', format: 'pretty', stream: c.stream });
    log.logger.child({ module: 'engine' }).info({ label: 'a', preimage: 'ff'.repeat(32) }, 'invoice created');
    await new Promise((r) => setImmediate(r));
    const line = c.text().trimEnd();
    expect(line.split('\n')).toHaveLength(1);
    const m = /^\[(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3})\] INFO: \(engine\) invoice created (.*)$/.exec(line);
    expect(m, line).not.toBeNull();
    // Local wall-clock time, not UTC: the date and hour are the local ones of the moment logged.
    const local = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
    const after = new Date();
    expect([local(before), local(after)]).toContain(`${m![1]}-${m![2]}-${m![3]} ${m![4]}:${m![5]}`);
    expect([before.getUTCMinutes(), after.getUTCMinutes()]).not.toContain(Number(m![5]));
    expect(m![8]).toContain('"label":"a"');
    expect(m![8]).not.toContain('module');
    expect(m![8]).toContain('"preimage":"[redacted]"');
    expect(line).not.toContain('ff'.repeat(32));
  });

  it('json stays the default', async () => {
    const c = capture();
    const log = createDaemonLogger({ level: 'info', stream: c.stream });
    log.logger.info({ label: 'a' }, 'invoice created');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(c.text())).toMatchObject({ level: 30, name: 'invoiced', label: 'a', msg: 'invoice created' });
  });
});
