#!/usr/bin/env node
/**
 * `invoiced-cln`: the Core Lightning plugin that carries payments, onion messages and node facts
 * between lightningd and invoiced. lightningd starts it (`--plugin=$(which invoiced-cln)`) and talks to
 * it on stdin/stdout; see docs/cln-plugin.md.
 *
 * Nothing here may crash lightningd's view of us: every error is caught and logged through lightningd,
 * and nothing but protocol messages is written to stdout.
 */
import * as os from 'node:os';
import type { LinkTiming } from './daemon-link.js';
import { errorText } from './log.js';
import { Plugin } from './plugin.js';

/**
 * For tests only: `INVOICED_CLN_TEST_TIMING`, a JSON object of LinkTiming's fields in milliseconds
 * (e.g. {"livenessIntervalMs":200,"livenessTimeoutMs":300}), shortens the daemon link's limits.
 * Anything unreadable in it is ignored.
 */
function testTiming(text: string | undefined): Partial<LinkTiming> {
  if (text === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  const out: Record<string, number> = {};
  if (typeof parsed === 'object' && parsed !== null) {
    for (const k of ['connectTimeoutMs', 'livenessIntervalMs', 'livenessTimeoutMs'] as const) {
      const v: unknown = (parsed as Record<string, unknown>)[k];
      if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) out[k] = v;
    }
  }
  return out;
}

const plugin = new Plugin({
  stdin: process.stdin,
  stdout: process.stdout,
  home: os.homedir(),
  exit: (code) => process.exit(code),
  timing: testTiming(process.env.INVOICED_CLN_TEST_TIMING),
});

process.on('uncaughtException', (e) => plugin.log.error(`internal error: ${errorText(e)}`));
process.on('unhandledRejection', (e) => plugin.log.error(`internal error: ${errorText(e)}`));
// lightningd stops plugins with the shutdown notification; SIGTERM (systemd stopping the node) too.
process.on('SIGTERM', () => void plugin.shutdown('SIGTERM'));
// lightningd passes SIGINT to its whole process group on ^C; it sends shutdown itself.
process.on('SIGINT', () => {});
