/**
 * `node dist/bench/summarize.js out1.txt out2.txt out3.txt`: reads the JSON line that `npm run bench`
 * prints last in each file and prints, as Markdown, the median of every figure over the runs and the
 * targets table (docs/performance.md) with met / missed.
 */
import * as fs from 'node:fs';
import { median } from './lib/stats.js';

type Run = { bench: Record<string, Record<string, number | string>>; database: string };

function lastJson(file: string): Run {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{"bench"'));
  const last = lines.at(-1);
  if (!last) throw new Error(`${file}: no JSON line`);
  return JSON.parse(last) as Run;
}

/** Targets: scenario, figure, comparison, bound, label. */
const TARGETS: ReadonlyArray<readonly [string, string, '>=' | '<=', number, string]> = [
  ['create', 'invoice_c64_per_s', '>=', 5000, '`invoice`, 64 clients: invoices/s'],
  ['create', 'invoice_c64_p99_ms', '<=', 25, '`invoice`, 64 clients: p99 ms'],
  ['create', 'invoice_c1_p50_ms', '<=', 1, '`invoice`, 1 client: p50 ms'],
  ['list', 'by_label_p50_ms', '<=', 1, '`listinvoices` by label, 1M rows: p50 ms'],
  ['list', 'by_payment_hash_p50_ms', '<=', 1, '`listinvoices` by payment_hash, 1M rows: p50 ms'],
  ['list', 'page_1000_created_p50_ms', '<=', 30, 'page of 1000 by created index, 1M rows: p50 ms'],
  ['list', 'last_10_paid_p50_ms', '<=', 5, '10 most recently paid, 1M rows: p50 ms'],
  ['list', 'startup_to_ready_ms', '<=', 1500, 'startup to ready socket, 1M rows: ms'],
  ['list', 'rss_after_startup_mb', '<=', 150, 'RSS after startup, 1M rows: MB'],
  ['pay', 'single_part_c64_per_s', '>=', 3000, 'single-part payments/s (64 in flight)'],
  ['wait', 'wake_p99_ms', '<=', 100, '10,000 waiters: wake p99 ms (from the payment answer)'],
  ['wait', 'rss_with_waiters_mb', '<=', 250, '10,000 waiters: RSS MB'],
];

/** PostgreSQL has one target of its own; the others are SQLite's. */
const PG_TARGETS: typeof TARGETS = [['create', 'invoice_c64_per_s', '>=', 1500, 'PostgreSQL `invoice`, 64 clients: invoices/s']];

const runs = process.argv.slice(2).map(lastJson);
if (runs.length === 0) {
  console.error('usage: summarize.js <bench output file>…');
  process.exit(2);
}
const med: Record<string, Record<string, number | string>> = {};
for (const scenario of new Set(runs.flatMap((r) => Object.keys(r.bench)))) {
  const present = runs.map((r) => r.bench[scenario]).filter((x): x is Record<string, number | string> => x !== undefined);
  med[scenario] = {};
  for (const k of Object.keys(present[0]!)) {
    const vals = present.map((p) => p[k]);
    med[scenario]![k] = typeof vals[0] === 'number' ? median(vals as number[]) : (vals[0] as string);
  }
}
const db = runs[0]!.database;
console.log(`Targets (${db}, median of ${runs.length} run${runs.length > 1 ? 's' : ''}):\n`);
console.log('| target | bound | measured | |');
console.log('|---|---|---|---|');
for (const [s, k, op, bound, label] of db === 'postgres' ? PG_TARGETS : TARGETS) {
  const v = med[s]?.[k];
  if (typeof v !== 'number') {
    console.log(`| ${label} | ${op} ${bound} | not run | |`);
    continue;
  }
  const ok = op === '>=' ? v >= bound : v <= bound;
  console.log(`| ${label} | ${op} ${bound.toLocaleString('en-US')} | ${v.toLocaleString('en-US')} | ${ok ? 'met' : 'missed'} |`);
}
console.log('\nAll figures (medians):\n');
for (const [s, figs] of Object.entries(med)) {
  console.log(`- **${s}**: ${Object.entries(figs).map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`).join(', ')}`);
}
console.log(`\n${JSON.stringify({ median_of: runs.length, database: db, bench: med })}`);
