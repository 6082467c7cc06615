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
import { errorText } from './log.js';
import { Plugin } from './plugin.js';

const plugin = new Plugin({ stdin: process.stdin, stdout: process.stdout, home: os.homedir(), exit: (code) => process.exit(code) });

process.on('uncaughtException', (e) => plugin.log.error(`internal error: ${errorText(e)}`));
process.on('unhandledRejection', (e) => plugin.log.error(`internal error: ${errorText(e)}`));
// lightningd stops plugins with the shutdown notification; SIGTERM (systemd stopping the node) too.
process.on('SIGTERM', () => void plugin.shutdown('SIGTERM'));
// lightningd passes SIGINT to its whole process group on ^C; it sends shutdown itself.
process.on('SIGINT', () => {});
