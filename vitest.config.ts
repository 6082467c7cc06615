import { defineConfig } from 'vitest/config';
import SummaryReporter from './test/helpers/summary-reporter.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Two cores: suites run in parallel forks; each test owns its temp datadir and database.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The end-to-end suites race real processes, sockets and two databases on two shared cores; a test that
    // fails once is run once more, and the closing summary names it with its first error (summary-reporter).
    retry: 1,
    reporters: ['default', new SummaryReporter()],
  },
});
