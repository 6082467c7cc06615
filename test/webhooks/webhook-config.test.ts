/**
 * The pieces of webhooks and metrics that need no server: `--webhook` targets and their filters, the
 * repeatable option, `--metrics` addresses, the backoff, the signature, the secret file (created 0600,
 * never overwritten, refused when others may read it).
 */
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/daemon/config.js';
import { parseHostPort } from '../../src/daemon/events-config.js';
import { retryDelay, unitRandom } from '../../src/webhooks/backoff.js';
import { signBody } from '../../src/webhooks/signature.js';
import { loadWebhookSecret } from '../../src/webhooks/webhook-secret.js';
import { parseWebhookTarget, wants } from '../../src/webhooks/webhook-target.js';
import { tempDir } from '../helpers/tmp.js';

const resolve = (argv: string[], file?: string) =>
  resolveConfig(argv, { home: '/home/u', cwd: '/w', readFile: (p) => (p === '/home/u/.invoiced/config' ? file : undefined) });

describe('webhook targets', () => {
  it('takes every event without a filter, only the listed types (and groups) with one', () => {
    const all = parseWebhookTarget('https://shop.example/hook?token=a@b');
    expect(all).toEqual({ url: 'https://shop.example/hook?token=a@b' });
    expect(wants(all, 'outbox_sent')).toBe(true);
    const some = parseWebhookTarget('invoice_paid,offer_*@http://127.0.0.1:8080/x');
    expect(some.url).toBe('http://127.0.0.1:8080/x');
    expect([...some.types!].sort()).toEqual(['invoice_paid', 'offer_created', 'offer_disabled', 'offer_enabled', 'offer_used']);
    expect(wants(some, 'invoice_created')).toBe(false);
    // A user@host URL is not a filter: the URL's scheme comes before any '@'.
    expect(parseWebhookTarget('https://user@host.example/h')).toEqual({ url: 'https://user@host.example/h' });
  });

  it('refuses unknown types and non-http URLs with a message', () => {
    expect(() => parseWebhookTarget('invoice_payed@https://x.example')).toThrow(/^unknown event type 'invoice_payed' \(known: invoice_created, /);
    expect(() => parseWebhookTarget('ftp://x.example')).toThrow("should be an http:// or https:// URL, not 'ftp://x.example'");
    expect(() => parseWebhookTarget('not a url')).toThrow("not a valid URL: 'not a url'");
  });

  it('--webhook is repeatable; the command line replaces the config file; defaults', () => {
    const r = resolve(['--webhook=https://a.example', '--webhook', 'invoice_paid@https://b.example'], 'webhook=https://file.example\n');
    if (r.action !== 'run') throw new Error('expected run');
    expect(r.config.events.webhooks.map((w) => w.url)).toEqual(['https://a.example', 'https://b.example']);
    const f = resolve([], 'webhook=https://file.example\nwebhook=https://file2.example\n');
    if (f.action !== 'run') throw new Error('expected run');
    expect(f.config.events).toEqual({
      autocleanAge: 0n,
      webhooks: [{ url: 'https://file.example' }, { url: 'https://file2.example' }],
      webhookRetryFor: 86_400n,
      webhookTimeoutMs: 10_000,
      webhookNice: 19,
    });
    expect(() => resolve(['--webhook=gopher://x'])).toThrow("--webhook: should be an http:// or https:// URL, not 'gopher://x'");
    const n = resolve(['--webhook-nice=0']);
    expect(n.action === 'run' && n.config.events.webhookNice).toBe(0);
    expect(() => resolve(['--webhook-nice=20'])).toThrow('--webhook-nice: should be 0 to 19, not 20');
    expect(() => resolve(['--dev-webhook-timeout=5'])).toThrow('--dev-webhook-timeout: requires --developer');
  });

  it('--metrics needs host and port', () => {
    expect(parseHostPort('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseHostPort('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    for (const bad of ['9464', '127.0.0.1', ':9464', '127.0.0.1:70000', 'a b:1']) {
      expect(() => parseHostPort(bad), bad).toThrow(`--metrics: should be host:port such as 127.0.0.1:9464, not '${bad}'`);
    }
    const r = resolve(['--metrics=127.0.0.1:9464']);
    expect(r.action === 'run' && r.config.events.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
  });
});

describe('backoff and signature', () => {
  it('doubles from 1 s up to an hour, half fixed and half jitter', () => {
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => retryDelay(n, 0.999999))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(40, 0.5)).toBe(2_700_000);
    const r = unitRandom(() => new Uint8Array([255, 255, 255, 255]));
    expect(r).toBeLessThan(1);
    expect(unitRandom(() => new Uint8Array(4))).toBe(0);
  });

  it('signs the exact body with HMAC-SHA256 under the secret text', () => {
    const body = '{"seq":1,"type":"invoice_created"}';
    expect(signBody('k', body)).toBe(`sha256=${createHmac('sha256', 'k').update(body).digest('hex')}`);
    expect(signBody('k', body + ' ')).not.toBe(signBody('k', body));
  });
});

describe('webhook_secret', () => {
  it('is created once with mode 0600 and read back; never overwritten', async () => {
    const dir = tempDir('whs-');
    const file = path.join(dir, 'webhook_secret');
    const s1 = await loadWebhookSecret(file, (n) => new Uint8Array(n).fill(7));
    expect(s1).toBe('07'.repeat(32));
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(await loadWebhookSecret(file, (n) => new Uint8Array(n).fill(9))).toBe(s1);
  });

  it('refuses a file others may read, or one that is not a secret', async () => {
    const dir = tempDir('whs-');
    const file = path.join(dir, 'webhook_secret');
    fs.writeFileSync(file, 'ab'.repeat(32), { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    await expect(loadWebhookSecret(file, (n) => new Uint8Array(n))).rejects.toThrow(`webhook_secret ${file} is accessible by group or others (mode 644): run chmod 0600 ${file}`);
    fs.chmodSync(file, 0o600);
    fs.writeFileSync(file, 'short');
    await expect(loadWebhookSecret(file, (n) => new Uint8Array(n))).rejects.toThrow(`webhook_secret ${file}: should hold 64 lowercase hex digits`);
  });
});
