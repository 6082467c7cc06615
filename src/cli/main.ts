#!/usr/bin/env node
/**
 * invoice-cli: the command-line client of invoiced, with lightning-cli's habits (docs/cli.md).
 * This file only wires the process to `runCli`.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { runCli } from './run.js';

function readFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

const out: string[] = [];
const code = await runCli(process.argv.slice(2), {
  stdout: (s) => out.push(s),
  stderr: (s) => process.stderr.write(s),
  home: process.env.HOME ?? homedir(),
  cwd: process.cwd(),
  pid: process.pid,
  readFile,
  stdoutIsTty: process.stdout.isTTY === true,
});
// Write everything, then exit only once stdout has drained (a pipe may be slow).
process.stdout.write(out.join(''), () => process.exit(code));
