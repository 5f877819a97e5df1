import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** How many of the slowest test files the summary names. */
const SLOWEST = 10;

/**
 * Prints the slowest test files (import and run time, as the default reporter times each file) and
 * the plain closing line `Tests: N passed, N failed, N skipped`; with CI=true, fails the run when
 * any test was skipped (a skip there means a real component is missing).
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
    if (testModules.length > 1) {
      const timed = testModules.map((mod) => {
        const d = mod.diagnostic();
        return { file: relative(process.cwd(), mod.moduleId), seconds: (d.collectDuration + d.duration) / 1000 };
      });
      const slowest = timed.sort((a, b) => b.seconds - a.seconds).slice(0, SLOWEST);
      process.stdout.write(`\nSlowest test files (import + tests):\n${slowest.map((s) => `  ${s.seconds.toFixed(1).padStart(6)} s  ${s.file}`).join('\n')}\n`);
    }
    process.stdout.write(`\nTests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
    if (process.env.CI === 'true' && counts.skipped > 0) {
      process.stdout.write(`CI=true: ${counts.skipped} skipped test(s) count as failures (a real component is missing)\n`);
      process.exitCode = 1;
    }
  }
}
