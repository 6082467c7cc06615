#!/usr/bin/env node
// `npm run test:realnode`: the real-node test (test/realnode/realnode.test.ts) when ../shared/realnode/
// exists beside the project; otherwise it says why it skips and exits 0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const realnode = fileURLToPath(new URL('../../../shared/realnode/', import.meta.url));
if (!existsSync(realnode)) {
  console.log(
    `test:realnode: skipped: ${realnode} does not exist (it would hold bitcoind, bitcoin-cli and Core Lightning ` +
      'binaries for this machine); the simulated-lightningd suites in test/bridge/ run with npm test.',
  );
  process.exit(0);
}
const r = spawnSync('npx', ['vitest', 'run', 'test/realnode/'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, INVOICED_REALNODE: realnode },
});
process.exit(r.status ?? 1);
