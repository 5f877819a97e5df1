import type { Reporter, TestModule } from 'vitest/node';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Prints the plain closing line `Tests: N passed, N failed, N skipped` and, with CI=true, fails
 * the run when any test was skipped (a skip there means a real component is missing).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) counts.failed++;
    }
    process.stdout.write(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    if (process.env.CI === 'true' && counts.skipped > 0) {
      process.stdout.write(`CI=true: ${counts.skipped} skipped test(s) count as failures (a real component is missing)\n`);
      process.exitCode = 1;
    }
  }
}
