/**
 * Prints one plain closing line after the run, `tests: N passed, N failed, N skipped`, so that tools which
 * read a run's last line (CI among them) can count tests without parsing vitest's coloured summary.
 * A test that failed once and passed on its retry (vitest.config.ts) is counted as passed, and named above
 * that line with the error of its failed try, so that no flaky test goes unseen.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const flaky: string[] = [];
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++;
        const result = test.result();
        if (result.state === 'passed' && test.diagnostic()?.flaky) {
          const first = result.errors?.[0]?.message.split('\n')[0] ?? '';
          flaky.push(`${mod.relativeModuleId} > ${test.fullName}${first ? `: ${first}` : ''}`);
        }
      }
      // A module that failed to load has no tests but is a failure all the same.
      if (mod.state() === 'failed' && ![...mod.children.allTests()].some((t) => t.result().state === 'failed')) failed++;
    }
    for (const name of flaky) process.stdout.write(`\nflaky (failed, then passed on its retry): ${name}`);
    const retried = flaky.length > 0 ? ` (${flaky.length} on a retry)` : '';
    process.stdout.write(`\ntests: ${passed} passed${retried}, ${failed} failed, ${skipped} skipped\n`);
  }
}
