/**
 * Helpers of the dependency tests: real lockfiles written by the real package managers (npm, and
 * yarn 1 / yarn 4 / pnpm 7, 8, 9 through corepack) from the npm registry, cached by content under
 * the OS temp dir so a rerun takes no network and no time; OSV advisory fixtures of real
 * vulnerabilities (GHSA records as published, ranges and fixes as in the GitHub advisory database).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { OsvRecord } from '../../src/advisories/osv.schema.js';
import type { AdvisorySource } from '../../src/deps/scan.js';

export type Tool = 'npm1' | 'npm2' | 'npm3' | 'npm-shrinkwrap' | 'yarn1' | 'yarn4' | 'pnpm7' | 'pnpm8' | 'pnpm9';

/** Corepack as it works here: the npm registry for yarn 4, no signature keys prompt, no download prompt. */
export const COREPACK_ENV: Record<string, string> = {
  COREPACK_ENABLE_DOWNLOAD_PROMPT: '0',
  COREPACK_ENABLE_STRICT: '0',
  COREPACK_INTEGRITY_KEYS: '0',
  COREPACK_NPM_REGISTRY: 'https://registry.npmjs.org',
};

const REGISTRY = 'https://registry.npmjs.org';
const CACHE = join(tmpdir(), 'patchwarden-deps-lockfiles-v1');

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
    env: { ...process.env, ...COREPACK_ENV, npm_config_registry: REGISTRY, YARN_ENABLE_IMMUTABLE_INSTALLS: 'false', YARN_ENABLE_TELEMETRY: '0', CI: '' },
  });
}

const LOCKFILE: Record<Tool, string> = {
  npm1: 'package-lock.json',
  npm2: 'package-lock.json',
  npm3: 'package-lock.json',
  'npm-shrinkwrap': 'npm-shrinkwrap.json',
  yarn1: 'yarn.lock',
  yarn4: 'yarn.lock',
  pnpm7: 'pnpm-lock.yaml',
  pnpm8: 'pnpm-lock.yaml',
  pnpm9: 'pnpm-lock.yaml',
};

/** Runs the real package manager on `files` (path -> content) in `dir`, leaving its lockfile there. */
function generate(tool: Tool, dir: string): void {
  const npm = (version: string): void => run('npm', ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--lockfile-version', version], dir);
  switch (tool) {
    case 'npm1':
      return npm('1');
    case 'npm2':
      return npm('2');
    case 'npm3':
      return npm('3');
    case 'npm-shrinkwrap':
      npm('3');
      return run('npm', ['shrinkwrap', '--ignore-scripts'], dir);
    case 'yarn1':
      // Yarn 1 has no lockfile-only mode: it installs (scripts ignored) into a throw-away folder.
      return run('corepack', ['yarn@1.22.22', 'install', '--ignore-scripts', '--non-interactive', '--no-progress', '--registry', REGISTRY, '--modules-folder', join(dir, '.yarn-modules')], dir);
    case 'yarn4':
      writeFileSync(join(dir, '.yarnrc.yml'), `npmRegistryServer: "${REGISTRY}"\nenableTelemetry: false\nnodeLinker: node-modules\nenableGlobalCache: false\n`);
      return run('corepack', ['yarn@4.9.1', 'install', '--mode=update-lockfile'], dir);
    case 'pnpm7':
      return run('corepack', ['pnpm@7.33.7', 'install', '--lockfile-only', '--ignore-scripts', '--registry', REGISTRY], dir);
    case 'pnpm8':
      return run('corepack', ['pnpm@8.15.9', 'install', '--lockfile-only', '--ignore-scripts', '--registry', REGISTRY], dir);
    case 'pnpm9':
      return run('corepack', ['pnpm@9.15.9', 'install', '--lockfile-only', '--ignore-scripts', '--registry', REGISTRY], dir);
  }
}

/**
 * A project folder holding `files` and the lockfile `tool` wrote for them, copied into `into`
 * (a fresh folder). Cached by (tool, files): the package manager runs once per machine.
 */
export function realProject(tool: Tool, files: Record<string, string>, into: string): string {
  const key = createHash('sha256').update(JSON.stringify([tool, Object.entries(files).sort()])).digest('hex').slice(0, 16);
  const cached = join(CACHE, `${tool}-${key}`);
  if (!existsSync(cached)) {
    mkdirSync(CACHE, { recursive: true });
    const work = mkdtempSync(join(CACHE, `tmp-${tool}-`));
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(dirname(join(work, path)), { recursive: true });
      writeFileSync(join(work, path), content);
    }
    generate(tool, work);
    for (const junk of ['node_modules', '.yarn-modules', '.yarn', '.pnp.cjs', '.pnp.loader.mjs', 'install-state.gz']) rmSync(join(work, junk), { recursive: true, force: true });
    if (tool === 'npm-shrinkwrap') rmSync(join(work, 'package-lock.json'), { force: true });
    if (!existsSync(join(work, LOCKFILE[tool]))) throw new Error(`${tool} wrote no ${LOCKFILE[tool]} in ${work}`);
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

export function lockfileName(tool: Tool): string {
  return LOCKFILE[tool];
}

export function tempDir(prefix = 'pw-deps-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** One project, exact versions all the way down, so every package manager locks the same 7 packages. */
export const SMALL_PROJECT: Record<string, string> = {
  'package.json': `${JSON.stringify(
    {
      name: 'demo',
      version: '1.0.0',
      private: true,
      dependencies: { lodash: '4.17.11', mkdirp: '0.5.1', debug: '2.6.8' },
      devDependencies: { minimist: '1.2.0' },
      optionalDependencies: { 'is-number': '7.0.0' },
    },
    null,
    2,
  )}\n`,
};

/** What every parser must read from SMALL_PROJECT: name@version -> [direct, dev, optional, first path]. */
export const SMALL_EXPECTED: Record<string, [boolean, boolean, boolean, string]> = {
  'debug@2.6.8': [true, false, false, 'debug@2.6.8'],
  'is-number@7.0.0': [true, false, true, 'is-number@7.0.0'],
  'lodash@4.17.11': [true, false, false, 'lodash@4.17.11'],
  'minimist@0.0.8': [false, false, false, 'mkdirp@0.5.1 > minimist@0.0.8'],
  'minimist@1.2.0': [true, true, false, 'minimist@1.2.0'],
  'mkdirp@0.5.1': [true, false, false, 'mkdirp@0.5.1'],
  'ms@2.0.0': [false, false, false, 'debug@2.6.8 > ms@2.0.0'],
};

/** A workspace monorepo: a root with a dev dependency, two workspaces, one needing the other. */
export function workspaceProject(tool: 'npm3' | 'yarn1' | 'yarn4' | 'pnpm9'): Record<string, string> {
  const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;
  const files: Record<string, string> = {
    'package.json': json({ name: 'mono', version: '1.0.0', private: true, ...(tool === 'pnpm9' ? {} : { workspaces: ['packages/*'] }), devDependencies: { 'is-number': '7.0.0' } }),
    'packages/api/package.json': json({ name: '@mono/api', version: '1.0.0', dependencies: { mkdirp: '0.5.1', '@mono/util': tool === 'yarn1' || tool === 'npm3' ? '1.0.0' : 'workspace:*' } }),
    'packages/util/package.json': json({ name: '@mono/util', version: '1.0.0', dependencies: { lodash: '4.17.11' }, devDependencies: { ms: '2.1.3' } }),
  };
  if (tool === 'pnpm9') files['pnpm-workspace.yaml'] = "packages:\n  - 'packages/*'\n";
  return files;
}

/** An in-memory advisory source (the store's `loadRecords` contract: withdrawn records left out unless asked). */
export function memorySource(records: readonly OsvRecord[]): AdvisorySource & { calls: number } {
  const source = {
    calls: 0,
     
    async *loadRecords(options: { ecosystems: readonly string[]; names?: readonly string[] }): AsyncIterable<OsvRecord[]> {
      source.calls += 1;
      const names = options.names === undefined ? null : new Set(options.names.map((n) => n.toLowerCase().replace(/[-_.]+/g, '-')));
      yield records.filter((r) =>
        (r.affected ?? []).some((a) => a.package && options.ecosystems.includes(a.package.ecosystem) && (names === null || names.has(a.package.name.toLowerCase().replace(/[-_.]+/g, '-')))),
      );
    },
  };
  return source;
}

