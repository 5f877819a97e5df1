/** Runs once before all test files: states which real components this run has. */
export default function setup(): void {
  process.stderr.write(`patchwarden tests: CI=${process.env.CI ?? 'unset'} (with CI=true a missing component fails instead of skipping)\n`);
}
