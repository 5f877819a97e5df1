import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import type { TestProject } from 'vitest/node';
import { newestWebSource, testWebRoot } from './web-build.js';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * Does this run include a browser test (test/web/), which needs the dashboard built from the current
 * sources? Unknown (no list of the run's files from vitest): yes.
 */
function runsBrowserTests(project: TestProject | undefined): boolean {
  let paths: string[] | undefined;
  try {
    paths = project?.vitest.state.getPaths();
  } catch {
    paths = undefined;
  }
  if (paths === undefined || paths.length === 0) return true;
  return paths.some((p) => resolve(p).startsWith(join(REPO, 'test/web') + sep));
}

/**
 * Runs once before all test files: states which real components this run has, and builds the
 * dashboard (vite) for the browser tests when its build is missing, or older than its sources and the
 * run has browser tests (the other tests that serve it only need one to exist; rebuilding it for them
 * would cost a build and empty the directory under another run's browser tests).
 */
export default function setup(project?: TestProject): void {
  process.stderr.write(`patchwarden tests: CI=${process.env.CI ?? 'unset'} (with CI=true a missing component fails instead of skipping)\n`);
  const root = testWebRoot();
  const index = join(root, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestWebSource()) return;
  if (existsSync(index) && !runsBrowserTests(project)) {
    process.stderr.write(`patchwarden tests: the dashboard in ${root} is older than its sources; not rebuilt (no browser test in this run)\n`);
    return;
  }
  process.stderr.write(`patchwarden tests: building the dashboard into ${root}\n`);
  execFileSync(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(REPO, 'web/vite.config.ts'), '--logLevel', 'warn'], {
    cwd: REPO,
    stdio: ['ignore', 'inherit', 'inherit'],
    // NODE_ENV=production: vitest sets `test`, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production', PATCHWARDEN_WEB_OUT: root },
  });
}
