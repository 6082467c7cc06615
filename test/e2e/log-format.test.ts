/**
 * The daemon's log format over the real process: JSON when its output is a pipe (as under journald),
 * readable lines with `--log-format=pretty`, and pretty by itself on a terminal (a pseudo-terminal from
 * `script`).
 */
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAEMON_MAIN, daemonBuilt, makeDatadir, runScript, startDaemonsKilledAfterEach } from '../helpers/daemon.js';
import { RpcClient } from '../helpers/rpc-client.js';

const start = startDaemonsKilledAfterEach();
const STARTED = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: invoiced started .*"node_id":"[0-9a-f]{66}"/m;
const haveScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!daemonBuilt())('log format', () => {
  it('writes JSON lines to a pipe by default', async () => {
    const d = await start();
    expect(await d.waitForLog('invoiced started')).toMatchObject({ level: 30, network: 'regtest' });
  });

  it('writes readable lines with --log-format=pretty', async () => {
    const d = await start({ args: ['--log-format=pretty'], logLevel: 'info' });
    await d.call('getinfo', {});
    for (let i = 0; !STARTED.test(d.stdout()); i++) {
      if (i > 500) throw new Error(`no pretty start line in: ${d.stdout()}`);
      await new Promise((r) => setTimeout(r, 20)); // polling for the asynchronously written line
    }
    expect(d.stdout()).not.toMatch(/^\{/m);
  });

  it('refuses an unknown --log-format, listing the choices', async () => {
    const r = await runScript(DAEMON_MAIN, [`--datadir=${makeDatadir()}`, '--log-format=xml']);
    expect(r).toMatchObject({ code: 1, stderr: "invoiced: --log-format: should be one of auto, json, pretty, not 'xml'\n" });
  });

  it.skipIf(!haveScript)('is pretty on a terminal without being asked', async () => {
    const datadir = makeDatadir();
    const cmd = `${process.execPath} ${DAEMON_MAIN} --datadir=${datadir} --network=regtest`;
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = new Promise((r) => p.on('exit', r));
    try {
      // eslint-disable-next-line no-control-regex
      const plain = () => out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '');
      for (let i = 0; !STARTED.test(plain()); i++) {
        if (i > 1000) throw new Error(`no pretty start line in: ${out}`);
        await new Promise((r) => setTimeout(r, 20)); // polling for the daemon's first line
      }
      const c = await RpcClient.connect(path.join(datadir, 'regtest', 'invoice-rpc'));
      await c.call('stop', {});
      c.destroy();
    } finally {
      p.kill('SIGKILL');
    }
    await exited;
  });
});
