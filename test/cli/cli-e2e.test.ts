/**
 * The built invoice-cli against the built daemon: output formats, -k and positional params, literal
 * detection and quoting of tricky labels, the filter, finding the socket through --datadir, --network and
 * the config file, and lightning-cli's exit codes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_MAIN, daemonBuilt, makeDatadir, runScript, startDaemon, type TestDaemon } from '../helpers/daemon.js';

describe.skipIf(!daemonBuilt())('invoice-cli against a daemon', () => {
  let d: TestDaemon;
  let base: string[];
  const cli = (...args: string[]) => runScript(CLI_MAIN, [...base, ...args]);

  beforeAll(async () => {
    d = await startDaemon();
    base = [`--datadir=${d.datadir}`, '--network=regtest'];
  });
  afterAll(async () => {
    await d.stop();
  });

  it('creates with positional params and prints pretty JSON (3-space indent)', async () => {
    const r = await cli('invoice', '1000', 'cli-pos', 'a description');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\{\n {3}"payment_hash": "[0-9a-f]{64}",\n {3}"expires_at": \d+,\n {3}"bolt11": "lnbcrt10n1/);
    const list = await cli('listinvoices', 'cli-pos');
    expect(JSON.parse(list.stdout).invoices[0]).toMatchObject({ label: 'cli-pos', amount_msat: 1000, description: 'a description' });
  });

  it('takes key=value with -k, and autodetects it from the first param', async () => {
    expect((await cli('-k', 'invoice', 'amount_msat=2000', 'label=cli-kw', 'description=x=y')).code).toBe(0);
    const auto = await cli('listinvoices', 'label=cli-kw');
    expect(JSON.parse(auto.stdout).invoices[0]).toMatchObject({ amount_msat: 2000, description: 'x=y' });
    // -o keeps a positional param that contains '='.
    expect((await cli('-o', 'invoice', '3000', 'a=b', 'c')).code).toBe(0);
    expect(JSON.parse((await cli('listinvoices', '-o', 'a=b')).stdout).invoices).toHaveLength(1);
  });

  it.each([
    ['with "quotes"'],
    ['back\\slash'],
    ['new\nline and\ttab'],
    ['ünïcødé ⚡'],
    ['01'],
    ['  spaces  '],
    ['{not json'],
    ['-dash'],
  ])('round-trips the tricky label %j', async (label) => {
    const made = await cli('-k', 'invoice', 'amount_msat=1000', `label=${label}`, 'description=d');
    expect(made.code, made.stdout + made.stderr).toBe(0);
    const listed = await cli('-k', 'listinvoices', `label=${label}`);
    expect(JSON.parse(listed.stdout).invoices.map((i: { label: string }) => i.label)).toEqual([label]);
  });

  it('sends literals unquoted: a numeric label becomes its string; a quoted one stays a string', async () => {
    expect((await cli('invoice', '1000', '4242', 'numeric label')).code).toBe(0);
    expect(JSON.parse((await cli('listinvoices', '"4242"')).stdout).invoices[0].label).toBe('4242');
    // The JSON-looking description is sent as an array and refused, as lightning-cli users learn (reference §11).
    const r = await cli('invoice', '1000', 'lnurl', '[["text/plain","x"]]');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ code: -32602, message: expect.stringMatching(/^description: /) });
    const ok = await cli('invoice', '1000', 'lnurl', '"[[\\"text/plain\\",\\"x\\"]]"');
    expect(ok.code, ok.stdout).toBe(0);
  });

  it('-J, -R, -H and -F outputs', async () => {
    await cli('invoice', '5000', 'fmt', 'line1\nline2');
    const json = await cli('-J', 'listinvoices', 'fmt');
    expect(json.stdout.startsWith('{\n   "invoices": [\n      {\n         "label": "fmt",\n')).toBe(true);
    const raw = await cli('-R', 'listinvoices', 'fmt');
    expect(raw.stdout).toMatch(/^\{"invoices":\[\{"label":"fmt",.*\}\]\}\n$/);
    const human = await cli('-H', 'listinvoices', 'fmt');
    // {"invoices": [...]} is a single-field object: elided; the invoice prints key=value, \n expanded.
    expect(human.stdout).toMatch(/^label=fmt\nbolt11=lnbcrt50n1\w+\npayment_hash=[0-9a-f]{64}\namount_msat=5000\nstatus=unpaid\ndescription=line1\nline2\n/);
    const flat = await cli('-F', 'listinvoices', 'fmt');
    expect(flat.stdout).toContain('invoices[0].label=fmt\n');
    expect(flat.stdout).toContain('invoices[0].description=line1\\nline2\n');
  });

  it('-l/--filter limits the result', async () => {
    const r = await cli('-l', '{"invoices":[{"label":true}]}', 'listinvoices', 'fmt');
    expect(JSON.parse(r.stdout)).toEqual({ invoices: [{ label: 'fmt' }] });
    const r2 = await cli('--filter={"invoices":[{"status":true}]}', 'listinvoices', 'fmt');
    expect(JSON.parse(r2.stdout)).toEqual({ invoices: [{ status: 'unpaid' }] });
  });

  it('help: a sorted list, and help <command> in human form', async () => {
    const r = await cli('help');
    expect(r.code).toBe(0);
    const [list, tail] = r.stdout.split('---\n');
    const cmds = list!.split('\n\n').filter(Boolean);
    expect(cmds).toEqual([...cmds].sort());
    expect(cmds).toContain('delinvoice label status [desconly]');
    expect(tail).toBe('run `invoice-cli help <command>` for more information on a specific command\n');
    const one = await cli('help', 'delinvoice');
    expect(one.stdout).toMatch(
      /^delinvoice label status \[desconly\]\n\nDeletes an invoice in the given status, or only its description \(desconly\)\.\n\nParameters:\n {2}label \(string or number; required\): /,
    );
    expect(one.stdout).toMatch(/\nResult: The invoice as it was before deletion .*\n$/);
  });

  it('with no command prints usage, then help', async () => {
    const r = await cli();
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Usage: invoice-cli [options] <command> [<params>...]')).toBe(true);
    expect(r.stdout).toContain('Querying invoiced for available RPC commands');
    expect(r.stdout).toContain('\nlistinvoices ');
  });

  it('exit 1 with the error object on stdout when the daemon refuses', async () => {
    const r = await cli('delinvoice', 'no-such-label', 'unpaid');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('{\n   "code": 905,\n   "message": "Unknown invoice"\n}\n');
    const raw = await cli('-R', 'delinvoice', 'no-such-label', 'unpaid');
    expect(raw.stdout).toBe('{"code":905,"message":"Unknown invoice"}\n');
  });

  it('exit 2 when it cannot connect', async () => {
    const r = await runScript(CLI_MAIN, [`--datadir=${makeDatadir()}`, '--network=regtest', 'getinfo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^invoice-cli: Connecting to '.*\/regtest\/invoice-rpc': connect ENOENT/);
  });

  it.each([
    [['--bogus', 'getinfo'], 'invoice-cli: --bogus: unrecognized option\n'],
    [['-k', 'invoice', 'amount_msat=1', 'nokey'], "invoice-cli: Expected key=value in 'nokey'\n"],
    [['invoice', '[xxx]'], 'invoice-cli: Some parameters are malformed, cannot create a valid JSON-RPC request: '],
    [['--network=moon', 'getinfo'], "invoice-cli: --network: should be one of bitcoin, testnet, testnet4, signet, regtest, not 'moon'\n"],
  ])('exit 3 for usage errors: %j', async (args, stderr) => {
    const r = await cli(...args);
    expect(r.code).toBe(3);
    expect(r.stderr.startsWith(stderr)).toBe(true);
  });

  it('finds the socket from the config file network, and an absolute --rpc-file', async () => {
    const dir = makeDatadir();
    fs.writeFileSync(path.join(dir, 'config'), 'network=signet\n');
    const s = await startDaemon({ datadir: dir, network: 'signet' });
    try {
      const r = await runScript(CLI_MAIN, [`--datadir=${dir}`, 'getinfo']);
      expect(JSON.parse(r.stdout).network).toBe('signet');
      const r2 = await runScript(CLI_MAIN, [`--rpc-file=${s.socketPath}`, '--datadir=/nonexistent', 'getinfo']);
      expect(JSON.parse(r2.stdout).network).toBe('signet');
    } finally {
      await s.stop();
    }
  });

  it('--version and -h need no daemon', async () => {
    expect(await runScript(CLI_MAIN, ['--version'])).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const h = await runScript(CLI_MAIN, ['-h']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Exit codes: 0 success, 1 the daemon returned an error, 2 cannot talk to the daemon, 3 usage error.');
  });
});
