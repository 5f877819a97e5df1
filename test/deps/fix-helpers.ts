/**
 * Projects for the fix engine's tests: lockfiles written by the real package managers from the
 * npm registry in stages (write files, run the package manager, and again), so a lockfile can hold
 * what a project accumulates over time: `"lodash": "^4.17.11"` still locked at 4.17.11 (locked
 * exact, then widened: npm and pnpm keep the locked version; Berry through `yarn set resolution`).
 * Cached by content under the OS temp dir, as `realProject` does.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { COREPACK_ENV } from './helpers.js';

export type FixTool = 'npm' | 'yarn1' | 'yarn4' | 'pnpm9';

export interface Stage {
  /** Files written before the package manager runs (path -> content; null deletes). */
  readonly files: Record<string, string | null>;
  /** Extra package-manager arguments run after the install (Berry: `set resolution ...`). */
  readonly then?: readonly (readonly string[])[];
}

const REGISTRY = 'https://registry.npmjs.org';
const CACHE = join(tmpdir(), 'patchwarden-deps-fix-projects-v1');
export const YARNRC = `npmRegistryServer: "${REGISTRY}"\nenableTelemetry: false\nnodeLinker: node-modules\nenableGlobalCache: false\n`;

/** The environment the fix engine gets in these tests (corepack as it works here). */
export const FIX_ENV: Record<string, string> = { ...COREPACK_ENV };

const PM: Record<FixTool, string[]> = {
  npm: ['npm'],
  yarn1: ['corepack', 'yarn@1.22.22'],
  yarn4: ['corepack', 'yarn@4.9.1'],
  pnpm9: ['corepack', 'pnpm@9.15.9'],
};

function run(tool: FixTool, args: readonly string[], cwd: string): void {
  const [cmd, ...prefix] = PM[tool];
  execFileSync(cmd!, [...prefix, ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
    env: { ...process.env, ...COREPACK_ENV, npm_config_registry: REGISTRY, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_SCRIPTS: 'false', YARN_ENABLE_TELEMETRY: '0', CI: '' },
  });
}

function install(tool: FixTool, dir: string): void {
  switch (tool) {
    case 'npm':
      return run(tool, ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
    case 'yarn1':
      rmSync(join(dir, '.yarn-modules'), { recursive: true, force: true }); // else yarn 1 may find it "up-to-date" and keep the lockfile
      return run(tool, ['install', '--ignore-scripts', '--non-interactive', '--no-progress', '--registry', REGISTRY, '--modules-folder', join(dir, '.yarn-modules')], dir);
    case 'yarn4':
      return run(tool, ['install', '--mode=update-lockfile'], dir);
    case 'pnpm9':
      return run(tool, ['install', '--lockfile-only', '--ignore-scripts', '--registry', REGISTRY], dir);
  }
}

/** A project built in stages by the real package manager, copied into `into` (cached by content). */
export function stagedProject(tool: FixTool, stages: readonly Stage[], into: string): string {
  const key = createHash('sha256').update(JSON.stringify([tool, stages])).digest('hex').slice(0, 16);
  const cached = join(CACHE, `${tool}-${key}`);
  if (!existsSync(cached)) {
    mkdirSync(CACHE, { recursive: true });
    const work = mkdtempSync(join(CACHE, `tmp-${tool}-`));
    if (tool === 'yarn4') writeFileSync(join(work, '.yarnrc.yml'), YARNRC);
    for (const stage of stages) {
      for (const [path, content] of Object.entries(stage.files)) {
        if (content === null) rmSync(join(work, path), { force: true });
        else {
          mkdirSync(dirname(join(work, path)), { recursive: true });
          writeFileSync(join(work, path), content);
        }
      }
      install(tool, work);
      for (const args of stage.then ?? []) run(tool, args, work);
    }
    for (const junk of ['node_modules', '.yarn-modules', '.yarn', '.pnp.cjs', '.pnp.loader.mjs']) rmSync(join(work, junk), { recursive: true, force: true });
    try {
      renameSync(work, cached);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another worker won the race
    }
  }
  mkdirSync(into, { recursive: true });
  cpSync(cached, into, { recursive: true });
  return into;
}

/** package.json text as npm writes it (2 spaces, trailing newline). */
export function manifest(value: Record<string, unknown>): string {
  return `${JSON.stringify({ name: 'demo', version: '1.0.0', private: true, ...value }, null, 2)}\n`;
}
