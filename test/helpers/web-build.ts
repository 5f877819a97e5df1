/** The dashboard build the tests use (kept free of test-framework imports: vitest's global setup loads it). */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');

/** Where the tests' dashboard build is: PATCHWARDEN_WEB_ROOT, else dist/web (global setup builds it when stale). */
export function testWebRoot(): string {
  return resolve(process.env.PATCHWARDEN_WEB_ROOT ?? join(REPO, 'dist/web'));
}

/** The newest modification time under the dashboard's sources (web/, src/contracts, src/domain/access.ts). */
export function newestWebSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(REPO, 'web/src'));
  walk(join(REPO, 'src/contracts'));
  for (const f of ['web/index.html', 'web/vite.config.ts', 'src/domain/access.ts', 'package-lock.json']) newest = Math.max(newest, statSync(join(REPO, f)).mtimeMs);
  return newest;
}

