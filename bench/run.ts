/**
 * `npm run bench [-- scenario…] [--database URL]`: runs each named scenario (all when none is named),
 * prints a readable table per scenario and, last, one JSON line with every figure.
 *
 * A scenario is `bench/scenarios/<name>.ts` exporting `run(opts): Promise<ScenarioResult>`.
 */
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

export interface BenchOptions {
  /** PostgreSQL URL when given with --database (else SQLite). */
  readonly database?: string;
}

/** Figures by name (numbers; units in the name: `_per_s`, `_ms`, `_mb`). */
export type ScenarioResult = Record<string, number | string>;

export interface Scenario {
  run(opts: BenchOptions): Promise<ScenarioResult>;
}

export const SCENARIOS = ['bolt11', 'bolt12', 'create', 'floor', 'list', 'pay', 'wait', 'hold', 'metadata'] as const;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let database: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--database') database = args[++i];
    else if (a.startsWith('--database=')) database = a.slice('--database='.length);
    else names.push(a);
  }
  const chosen = names.length ? names : [...SCENARIOS];
  const all: Record<string, ScenarioResult> = {};
  for (const name of chosen) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      console.error(`unknown scenario '${name}' (known: ${SCENARIOS.join(', ')})`);
      process.exit(3);
    }
    let mod: Scenario;
    try {
      mod = (await import(`./scenarios/${name}.js`)) as Scenario;
    } catch (e) {
      console.error(`scenario '${name}' is not available: ${(e as Error).message}`);
      continue;
    }
    const t0 = performance.now();
    const load = Math.round(loadavg()[0]! * 100) / 100;
    const result: ScenarioResult = { ...(await mod.run(database ? { database } : {})), load_avg_1m_at_start: load };
    all[name] = result;
    console.log(`\n== ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const width = Math.max(...Object.keys(result).map((k) => k.length));
    for (const [k, v] of Object.entries(result)) {
      console.log(`  ${k.padEnd(width)}  ${typeof v === 'number' ? fmt(v) : v}`);
    }
  }
  console.log(JSON.stringify({ bench: all, node: process.version, database: database ? 'postgres' : 'sqlite' }));
}

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(3);
}

await main();
