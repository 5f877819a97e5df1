import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { newestWebSource, testWebRoot } from './web-build.js';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * Runs once before all test files: states which real components this run has, and builds the
 * dashboard (vite) when its build is missing or older than its sources, for the browser tests.
 */
export default function setup(): void {
  process.stderr.write(`patchwarden tests: CI=${process.env.CI ?? 'unset'} (with CI=true a missing component fails instead of skipping)\n`);
  const root = testWebRoot();
  const index = join(root, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestWebSource()) return;
  process.stderr.write(`patchwarden tests: building the dashboard into ${root}\n`);
  execFileSync(process.execPath, [join(REPO, 'node_modules/vite/bin/vite.js'), 'build', '--config', join(REPO, 'web/vite.config.ts'), '--logLevel', 'warn'], {
    cwd: REPO,
    stdio: ['ignore', 'inherit', 'inherit'],
    // NODE_ENV=production: vitest sets `test`, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production', PATCHWARDEN_WEB_OUT: root },
  });
}
