/**
 * `help COMMAND`: the parameters and result of every command, all from its declaration (the meanings are
 * `req`/`opt` arguments, the result a field of `defineCommand`, so nothing can describe an undeclared
 * parameter and a missing word is a type error: test/rpc/binder.test.ts). Here: what `help` shows.
 */
import { describe, expect, it } from 'vitest';
import { verboseHelp } from '../../src/rpc/command-help.js';
import type { Command } from '../../src/rpc/command.js';
import { INVOICE_COMMANDS } from '../../src/rpc/index.js';
import { AdjustableClock } from '../../src/daemon/dev-clock.js';
import { devClockCommand } from '../../src/daemon/dev-commands.js';
import { makeHarness } from './harness.js';

/** Splits a verbose help text into its parameter lines and its result, checking its layout on the way. */
function sections(c: Command, verbose: string): { params: Array<[string, string]>; result: string } {
  const lines = verbose.split('\n');
  const head = c.description ? [c.description, ''] : [];
  expect(lines.slice(0, head.length), c.name).toEqual(head);
  const rest = lines.slice(head.length);
  const blank = rest.indexOf('');
  const body = rest.slice(0, blank);
  let params: string[] = [];
  if (body[0] !== 'No parameters.') {
    expect(body[0], c.name).toBe('Parameters:');
    params = body.slice(1);
  }
  expect(rest.slice(blank + 1).length, `${c.name}: one result line`).toBe(1);
  const result = /^Result: (.*)$/.exec(rest[blank + 1]!)?.[1] ?? '';
  return {
    params: params.map((l) => {
      const m = /^ {2}(\S+) \(.+\): (.*)$/.exec(l);
      expect(m, `${c.name}: ${l}`).not.toBeNull();
      return [m![1]!, m![2]!];
    }),
    result,
  };
}

describe('command docs', () => {
  it('help COMMAND describes each declared parameter, in order, and the result, for every command', async () => {
    const { server } = makeHarness();
    const dev = devClockCommand(new AdjustableClock());
    for (const c of [...INVOICE_COMMANDS, dev]) {
      const verbose = c === dev ? verboseHelp(dev) : (await server.call('help', [c.name])).result.help[0].verbose;
      const { params, result } = sections(c, verbose);
      expect(params.map(([n]) => n), c.name).toEqual(Object.keys(c.params));
      for (const [n, meaning] of params) expect(meaning.trim(), `${c.name} ${n}`).not.toBe('');
      expect(result.trim(), c.name).not.toBe('');
    }
  });

  it('help invoice is the manual page it was', async () => {
    const { server } = makeHarness();
    const r = await server.call('help', ['invoice']);
    expect(r.result).toEqual({
      help: [
        {
          command:
            'invoice amount_msat label description [expiry] [fallbacks] [preimage] [exposeprivatechannels] [cltv] [deschashonly] [dev-routes] [webhook] [idempotency_key] [metadata]',
          verbose: [
            'Creates and signs a BOLT11 invoice.',
            '',
            'Parameters:',
            '  amount_msat (msat amount > 0, or `"any"`; required): Amount to be paid, in millisatoshi, or "any" to let the payer choose.',
            '  label (string or number; required): Unique name of the invoice in this database (a number is stored as its decimal string).',
            '  description (string without `\\u` escapes; required): Text shown to the payer (committed to by hash only with deschashonly).',
            '  expiry (u64; optional): Seconds until the invoice expires (default --invoice-expiry).',
            '  fallbacks (array of strings; optional): On-chain addresses the payer may use instead.',
            '  preimage (32-byte hex (secret: never logged); optional): Use this preimage instead of a random one.',
            "  exposeprivatechannels (boolean, scid or array of scids; optional): Which private channels may appear as route hints: true, false, or short channel ids (needs the node's channels from the bridge; without them the result carries warning_exposeprivatechannels).",
            '  cltv (u32; optional): min_final_cltv_expiry of the invoice, in blocks (default --cltv-final).',
            '  deschashonly (boolean; optional, default false): Put only the SHA256 of the description in the invoice.',
            '  dev-routes (any JSON; optional): Refused: CLN\'s developer-only route hints ("dev-routes requires --developer").',
            "  webhook (http(s) URL; optional): An http(s) URL that also receives this invoice's events as signed webhooks.",
            '  idempotency_key (idempotencyKey; optional): A key (at most 128 bytes): the same key with the same parameters answers with the first result; with others, an error naming the first label.',
            '  metadata (metadataObject; optional): A JSON object (at most 4 KiB) kept with it and never sent to payers.',
            '',
            'Result: payment_hash, expires_at, bolt11, payment_secret, created_index and expiry_time (= expires_at) of the new unpaid invoice, then any warning_* fields.',
          ].join('\n'),
        },
      ],
      'format-hint': 'simple',
    });
    // Named, the same.
    expect((await server.call('help', { command: 'invoice' })).result).toEqual(r.result);
  });

  it('holdinvoice shares invoice\'s first six parameters, each command with its own words for amount and description', async () => {
    const { server } = makeHarness();
    const lines = async (name: string) => ((await server.call('help', [name])).result.help[0].verbose as string).split('\n').slice(3, 9);
    const [inv, hold] = [await lines('invoice'), await lines('holdinvoice')];
    expect(hold[0]).toBe('  amount_msat (msat amount > 0, or `"any"`; required): Amount to be paid, in millisatoshi, or "any".');
    expect(hold[2]).toBe('  description (string without `\\u` escapes; required): Text shown to the payer.');
    expect([hold[1], ...hold.slice(3)]).toEqual([inv[1], ...inv.slice(3)]);
  });

  it('help COMMAND gives usage, description, each parameter with type, default and meaning, and the result', async () => {
    const { server } = makeHarness();
    const r = await server.call('help', ['delinvoice']);
    expect(r.result).toEqual({
      help: [
        {
          command: 'delinvoice label status [desconly]',
          verbose: [
            'Deletes an invoice in the given status, or only its description (desconly).',
            '',
            'Parameters:',
            '  label (string or number; required): Unique name of the invoice in this database (a number is stored as its decimal string).',
            '  status (string; required): The status the invoice must be in: unpaid, paid or expired (905 otherwise, with the current one).',
            '  desconly (boolean; optional, default false): Remove only the description, keep the invoice.',
            '',
            'Result: The invoice as it was before deletion (or with its description removed, with desconly).',
          ].join('\n'),
        },
      ],
      'format-hint': 'simple',
    });
  });

  it('help without a command stays one usage line per command', async () => {
    const { server } = makeHarness();
    const r = await server.call('help');
    for (const entry of r.result.help) expect(Object.keys(entry)).toEqual(['command']);
  });

  it('a command without parameters says so', () => {
    const stop = INVOICE_COMMANDS.find((c) => c.name === 'stop')!;
    expect(verboseHelp(stop)).toBe(
      'Shuts the daemon down, after answering.\n\nNo parameters.\n\nResult: {"result": "Shutdown complete"}, sent before the daemon shuts down.',
    );
  });
});
