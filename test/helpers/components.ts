/**
 * Real components the tests need (PostgreSQL, later apt/dpkg, dnf/rpm, git, Chromium). A missing
 * one skips its tests with a message naming it; with CI=true a missing component fails the run.
 */
export function requireComponent(name: string, available: boolean, hint: string): boolean {
  if (available) return true;
  const message = `${name} is not available (${hint})`;
  if (process.env.CI === 'true') throw new Error(`${message}; under CI=true a missing component fails the run instead of skipping`);
  process.stderr.write(`SKIP: ${message}; the tests that need it are skipped\n`);
  return false;
}
