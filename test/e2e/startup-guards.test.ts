/**
 * What the daemon refuses at startup, over the real process: unusable datadirs (at once, not spinning),
 * a mistyped --database directory, a second daemon on one SQLite database, a database of another network
 * or node; and what it says: one line for a new database, the shared hsm_secret of earlier versions, the
 * database named in its errors, no "shutting down" for a daemon that never started.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { nodeKeysFromSeed } from '../../src/crypto/node-keys.js';
import { toHex } from '../../src/util/hex.js';
import {
  DAEMON_MAIN,
  E2E_DATABASES,
  daemonBuilt,
  dropPgSchemas,
  freshPgDatabase,
  makeDatadir,
  runScript,
  startDaemonsKilledAfterEach,
  TEST_SEED,
} from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

const NODE_ID = toHex(nodeKeysFromSeed(TEST_SEED).nodeId);
const OTHER_SEED = new Uint8Array(32).fill(2);
const OTHER_ID = toHex(nodeKeysFromSeed(OTHER_SEED).nodeId);
const start = startDaemonsKilledAfterEach();
// Several daemon starts per test; generous bounds, as each only waits for the process (CI must not flake).
vi.setConfig({ testTimeout: 120_000 });

/** Runs the daemon expecting it to refuse to start; returns stderr and the JSON log lines. */
async function refused(args: readonly string[]): Promise<{ stderr: string; logs: Array<Record<string, unknown>> }> {
  const r = await runScript(DAEMON_MAIN, ['--network=regtest', ...args], { timeoutMs: 60_000 });
  // The signal and stderr are in the comparison so that a failure says how the process ended.
  expect({ code: r.code, signal: r.signal, stderr: r.stderr }).toMatchObject({ code: 1, signal: null });
  const logs = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stderr: r.stderr, logs };
}

afterAll(() => dropPgSchemas());

describe.skipIf(!daemonBuilt())('startup guards: directories and paths', () => {
  it('refuses a datadir under /proc at once (it used to spin forever)', async () => {
    const r = await refused(['--datadir=/proc/invoiced-test']);
    expect(r.stderr).toBe(
      "invoiced: cannot create datadir /proc/invoiced-test: ENOENT: no such file or directory, mkdir '/proc/invoiced-test'\n",
    );
  });

  it('refuses a datadir whose parent does not exist, creating nothing', async () => {
    const base = makeDatadir();
    const dir = path.join(base, 'typo', 'data');
    const r = await refused([`--datadir=${dir}`]);
    expect(r.stderr).toBe(
      `invoiced: cannot create datadir ${dir}: ENOENT: no such file or directory, mkdir '${dir}' (its parent ${path.dirname(dir)} does not exist)\n`,
    );
    expect(fs.existsSync(path.join(base, 'typo'))).toBe(false);
  });

  it('refuses a datadir that is a file', async () => {
    const file = path.join(makeDatadir(), 'file');
    fs.writeFileSync(file, '');
    expect((await refused([`--datadir=${file}`])).stderr).toBe(
      `invoiced: cannot read ${file}/config: ENOTDIR: not a directory, open '${file}/config'\n`,
    );
  });

  it('refuses a --database in a directory that does not exist, creating nothing', async () => {
    const dir = makeDatadir();
    const db = path.join(dir, 'tpyo', 'invoices.sqlite3');
    const r = await refused([`--datadir=${dir}`, `--database=${db}`]);
    expect(r.stderr).toBe(
      `invoiced: --database: the directory ${path.dirname(db)} does not exist; ` +
        'create it first, or correct the path (the daemon creates only its datadir)\n',
    );
    expect(fs.existsSync(path.dirname(db))).toBe(false);
    // A failed start logs why, and no "shutting down" for a daemon that never ran.
    expect(r.logs.map((l) => l.msg)).toEqual(['startup failed']);
  });

  it('creates a missing datadir whose parent exists', async () => {
    const dir = path.join(makeDatadir(), 'fresh');
    const d = await start({ datadir: dir });
    expect((await d.call('getinfo', {})).result.network).toBe('regtest');
    expect(fs.statSync(path.join(dir, 'regtest')).mode & 0o777).toBe(0o700);
  });

  it('names the database in a connection error, without its password', async () => {
    const r = await refused([`--datadir=${makeDatadir()}`, '--database=postgres://user:hunter2@127.0.0.1:1/db']);
    expect(r.stderr).toBe('invoiced: database postgres://user:***@127.0.0.1:1/db: connect ECONNREFUSED 127.0.0.1:1\n');
  });
});

describe.skipIf(!daemonBuilt())('startup guards: the node key', () => {
  it('creates a per-network hsm_secret in <datadir>/<network>/ on a fresh datadir', async () => {
    const dir = tempDir('invd-');
    const d = await start({ datadir: dir });
    const file = path.join(dir, 'regtest', 'hsm_secret');
    expect(fs.statSync(file).mode & 0o777).toBe(0o400);
    expect(fs.existsSync(path.join(dir, 'hsm_secret'))).toBe(false);
    // Startup warnings come before the started line: once it is in, no warning means none was logged.
    await d.waitForLog('invoiced started');
    expect(d.logs().some((l) => l.level === 40)).toBe(false);
    // Another network of the same datadir gets its own key.
    const t = await start({ datadir: dir, network: 'signet' });
    expect((await t.call('getinfo', {})).result.id).not.toBe((await d.call('getinfo', {})).result.id);
  });

  it('uses the shared <datadir>/hsm_secret of earlier versions, with a warning saying how to move it', async () => {
    const dir = makeDatadir(); // the shared file only
    const d = await start({ datadir: dir });
    expect((await d.call('getinfo', {})).result.id).toBe(NODE_ID);
    const shared = path.join(dir, 'hsm_secret');
    const own = path.join(dir, 'regtest', 'hsm_secret');
    expect(await d.waitForLog(`using the shared ${shared} of earlier versions; each network now has its own: mv ${shared} ${own}`)).toMatchObject({
      level: 40,
    });
    expect(fs.existsSync(own)).toBe(false);
  });

  it('prefers the per-network hsm_secret over the shared one', async () => {
    const dir = makeDatadir(); // shared: TEST_SEED
    fs.mkdirSync(path.join(dir, 'regtest'), { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'regtest', 'hsm_secret'), OTHER_SEED, { mode: 0o400 });
    const d = await start({ datadir: dir });
    expect((await d.call('getinfo', {})).result.id).toBe(OTHER_ID);
  });
});

describe.skipIf(!daemonBuilt())('startup guards: one daemon per SQLite database', () => {
  it('refuses a second daemon on the same database with another socket, naming the first one', async () => {
    const d = await start();
    const r = await refused([`--datadir=${d.datadir}`, '--rpc-file=other-rpc']);
    const db = path.join(d.datadir, 'regtest', 'invoices.sqlite3');
    expect(r.stderr).toBe(
      `invoiced: database ${db} is in use by the daemon with pid ${d.proc.pid} (lock ${db}.lock): stop it first, ` +
        'or give this daemon its own --database (only PostgreSQL serves several daemons at once)\n',
    );
    expect(fs.existsSync(path.join(d.datadir, 'regtest', 'other-rpc'))).toBe(false);
    expect((await d.call('getinfo', {})).result.id).toBe(NODE_ID);
  });

  it('refuses a second daemon given a symbolic link to the database, or a path through a linked directory', async () => {
    const d = await start();
    const db = path.join(d.datadir, 'regtest', 'invoices.sqlite3');
    const links = tempDir('invlink-');
    const fileLink = path.join(links, 'link.sqlite3');
    const dirLink = path.join(links, 'dir');
    fs.symlinkSync(db, fileLink);
    fs.symlinkSync(path.dirname(db), dirLink);
    for (const database of [fileLink, path.join(dirLink, 'invoices.sqlite3')]) {
      const r = await refused([`--datadir=${d.datadir}`, '--rpc-file=other-rpc', `--database=${database}`]);
      expect(r.stderr).toBe(
        `invoiced: database ${database} is in use by the daemon with pid ${d.proc.pid} (lock ${fs.realpathSync(db)}.lock): stop it first, ` +
          'or give this daemon its own --database (only PostgreSQL serves several daemons at once)\n',
      );
    }
    expect(fs.existsSync(`${fileLink}.lock`)).toBe(false);
    expect(fs.readdirSync(links).sort()).toEqual(['dir', 'link.sqlite3']);
    expect((await d.call('getinfo', {})).result.id).toBe(NODE_ID);
  });

  it('locks the file a link names before that file exists: the real path is then refused', async () => {
    const dir = tempDir('invlink-');
    const real = path.join(dir, 'real.sqlite3');
    const link = path.join(dir, 'link.sqlite3');
    fs.symlinkSync(real, link); // dangling until the first daemon creates the database
    const d = await start({ database: link });
    const r = await refused([`--datadir=${d.datadir}`, '--rpc-file=other-rpc', `--database=${real}`]);
    expect(r.stderr).toBe(
      `invoiced: database ${real} is in use by the daemon with pid ${d.proc.pid} (lock ${fs.realpathSync(dir)}/real.sqlite3.lock): stop it first, ` +
        'or give this daemon its own --database (only PostgreSQL serves several daemons at once)\n',
    );
    expect(fs.existsSync(`${link}.lock`)).toBe(false);
  });

  it('takes the database again once the first daemon is killed (the lock dies with it)', async () => {
    const d = await start();
    await d.kill();
    const d2 = await start({ ...d.startOptions, args: ['--rpc-file=other-rpc'] });
    expect((await d2.call('getinfo', {})).result.id).toBe(NODE_ID);
  });
});

for (const dbChoice of E2E_DATABASES) {
  describe.skipIf(!daemonBuilt() || dbChoice.skip)(`startup guards: whose database (${dbChoice.name})`, () => {
    /** A database for two datadirs: an absolute SQLite path, or a fresh PostgreSQL schema. */
    const sharedDatabase = (): string =>
      dbChoice.database === undefined ? path.join(tempDir('invdb-'), 'shared.sqlite3') : freshPgDatabase().url;

    it('says so in one line on a new database, and not on the next start', async () => {
      const database = sharedDatabase();
      const d = await start({ database });
      expect(await d.waitForLog('new database created')).toMatchObject({ level: 30 });
      await d.stop();
      const again = await start(d.startOptions);
      await again.waitForLog('invoiced started');
      expect(again.logs().some((l) => l.msg === 'new database created')).toBe(false);
    });

    it('refuses a database of another network, naming both', async () => {
      const database = sharedDatabase();
      const d = await start({ database });
      await d.stop();
      const shown = database.replace(/\?schema=(\w+)$/, ' (schema $1)');
      const r = await refused([`--datadir=${makeDatadir()}`, '--network=signet', `--database=${database}`]);
      expect(r.stderr.split('\n')).toContain(
        `invoiced: database ${shown} belongs to network regtest, not signet: start with --network=regtest, or give signet its own --database`,
      );
    });

    it("refuses a database of another node's key, naming both node ids", async () => {
      const database = sharedDatabase();
      const d = await start({ database });
      await d.stop();
      const shown = database.replace(/\?schema=(\w+)$/, ' (schema $1)');
      const r = await refused([`--datadir=${makeDatadir(OTHER_SEED)}`, `--database=${database}`]);
      expect(r.stderr).toBe(
        `invoiced: database ${shown} belongs to node ${NODE_ID}, but this daemon's hsm_secret gives node ${OTHER_ID}: ` +
          "its invoices were signed by that node's key; start with that node's hsm_secret, or another --database\n",
      );
    });

    it.skipIf(dbChoice.database === undefined)('serves several daemons with the same key on one PostgreSQL database', async () => {
      const database = sharedDatabase();
      const a = await start({ database });
      const b = await start({ database });
      const inv = (await a.call('invoice', { amount_msat: 1000, label: 'shared', description: 'd' })).result;
      const seen = (await b.call('listinvoices', { label: 'shared' })).result.invoices;
      expect(seen.map((i: { payment_hash: string }) => i.payment_hash)).toEqual([inv.payment_hash]);
    });
  });
}
