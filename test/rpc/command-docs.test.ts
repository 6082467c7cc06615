/**
 * `help COMMAND`: the parameters and result of every command, from its declaration plus the words in
 * command-docs.ts; and a drift check: every declared command and parameter is described, and nothing
 * that is not declared.
 */
import { describe, expect, it } from 'vitest';
import { verboseHelp } from '../../src/rpc/command-help.js';
import { COMMAND_DOCS, describedParams, paramMeaning } from '../../src/rpc/command-docs.js';
import { INVOICE_COMMANDS } from '../../src/rpc/index.js';
import { makeHarness } from './harness.js';

describe('command docs', () => {
  it('describe every command and every parameter, and nothing undeclared', () => {
    const byName = new Map(INVOICE_COMMANDS.map((c) => [c.name, c] as const));
    expect(Object.keys(COMMAND_DOCS).sort()).toEqual([...byName.keys()].sort());
    for (const c of INVOICE_COMMANDS) {
      expect(COMMAND_DOCS[c.name]!.result, c.name).not.toBe('');
      for (const p of Object.keys(c.params)) expect(paramMeaning(c.name, p), `${c.name} ${p}`).toBeTruthy();
      for (const p of describedParams(c.name)) expect(Object.keys(c.params), `${c.name} describes ${p}`).toContain(p);
    }
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
