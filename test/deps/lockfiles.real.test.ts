/**
 * Real lockfiles written by the real package managers (npm 11 with lockfileVersion 1/2/3 and
 * shrinkwrap; yarn 1.22, yarn 4, pnpm 7/8/9 through corepack) from the npm registry, parsed and
 * compared with what the package manager itself says (npm ls) and across formats.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverLockfiles } from '../../src/deps/discover.js';
import { readLockfiles } from '../../src/deps/scan.js';
import type { ParsedLockfile } from '../../src/deps/lockfiles/index.js';
import { lockfileName, realProject, SMALL_EXPECTED, SMALL_PROJECT, tempDir, workspaceProject, type Tool } from './helpers.js';

const TOOLS: readonly Tool[] = ['npm1', 'npm2', 'npm3', 'npm-shrinkwrap', 'yarn1', 'yarn4', 'pnpm7', 'pnpm8', 'pnpm9'];
const FORMAT: Record<Tool, [ParsedLockfile['kind'], string]> = {
  npm1: ['npm-package-lock', '1'],
  npm2: ['npm-package-lock', '2'],
  npm3: ['npm-package-lock', '3'],
  'npm-shrinkwrap': ['npm-shrinkwrap', '3'],
  yarn1: ['yarn-classic', '1'],
  yarn4: ['yarn-berry', '8'],
  pnpm7: ['pnpm', '5.4'],
  pnpm8: ['pnpm', '6.0'],
  pnpm9: ['pnpm', '9.0'],
};

const tmp = tempDir();
const parsed = new Map<Tool, ParsedLockfile>();

function parseOne(dir: string): ParsedLockfile[] {
  const { lockfiles } = discoverLockfiles(dir);
  const result = readLockfiles(dir, lockfiles);
  expect(result.errors).toEqual([]);
  return result.parsed;
}

beforeAll(() => {
  for (const tool of TOOLS) {
    const dir = realProject(tool, SMALL_PROJECT, join(tmp.dir, tool));
    const [lockfile] = parseOne(dir);
    parsed.set(tool, lockfile!);
  }
}, 600_000);
afterAll(() => tmp.cleanup());

describe.each(TOOLS)('%s lockfile of a small project', (tool) => {
  it('reads every package with direct/dev/optional and its shortest path, and the line of its entry', () => {
    const lockfile = parsed.get(tool)!;
    expect([lockfile.path, lockfile.kind, lockfile.formatVersion]).toEqual([lockfileName(tool), ...FORMAT[tool]]);
    const got = Object.fromEntries(lockfile.packages.map((p) => [`${p.name}@${p.version}`, [p.direct, p.dev, p.optional, p.paths[0]!.join(' > ')]]));
    expect(got).toEqual(SMALL_EXPECTED);
    const text = execFileSync('cat', [join(tmp.dir, tool, lockfileName(tool))], { encoding: 'utf8' }).split('\n');
    for (const pkg of lockfile.packages) {
      expect(pkg.line, `${pkg.name}@${pkg.version}`).not.toBeNull();
      const line = text[pkg.line! - 1]!;
      expect(line, `${tool} line ${pkg.line} for ${pkg.name}@${pkg.version}`).toContain(pkg.name);
    }
  });
});

describe("npm's own view", () => {
  it.each(['npm2', 'npm3'] as const)('%s: the same name@version set as `npm ls --all --package-lock-only`', (tool) => {
    const out = execFileSync('npm', ['ls', '--all', '--json', '--package-lock-only'], { cwd: join(tmp.dir, tool), encoding: 'utf8' });
    const seen = new Set<string>();
    const walk = (deps: Record<string, { version?: string; dependencies?: Record<string, unknown> }> | undefined): void => {
      for (const [name, dep] of Object.entries(deps ?? {})) {
        if (dep.version) seen.add(`${name}@${dep.version}`);
        walk(dep.dependencies as never);
      }
    };
    walk((JSON.parse(out) as { dependencies?: never }).dependencies);
    expect(parsed.get(tool)!.packages.map((p) => `${p.name}@${p.version}`).sort()).toEqual([...seen].sort());
  });
});

describe('workspaces (monorepos)', () => {
  const WORKSPACE_TOOLS = ['npm3', 'yarn1', 'yarn4', 'pnpm9'] as const;
  const results = new Map<string, ParsedLockfile>();
  beforeAll(() => {
    for (const tool of WORKSPACE_TOOLS) results.set(tool, parseOne(realProject(tool, workspaceProject(tool), join(tmp.dir, `ws-${tool}`)))[0]!);
  }, 600_000);

  it.each(WORKSPACE_TOOLS)('%s: dependencies of every workspace, dev from the manifests, paths through the workspace', (tool) => {
    const lockfile = results.get(tool)!;
    const byKey = new Map(lockfile.packages.map((p) => [`${p.name}@${p.version}`, p]));
    expect([...byKey.keys()].sort()).toEqual(['is-number@7.0.0', 'lodash@4.17.11', 'minimist@0.0.8', 'mkdirp@0.5.1', 'ms@2.1.3']);
    expect(byKey.get('is-number@7.0.0')).toMatchObject({ direct: true, dev: true, paths: [['is-number@7.0.0']] });
    expect(byKey.get('ms@2.1.3')).toMatchObject({ direct: true, dev: true });
    expect(byKey.get('ms@2.1.3')!.paths[0]).toEqual(['workspace:packages/util', 'ms@2.1.3']);
    expect(byKey.get('lodash@4.17.11')).toMatchObject({ direct: true, dev: false });
    expect(byKey.get('mkdirp@0.5.1')!.paths[0]).toEqual(['workspace:packages/api', 'mkdirp@0.5.1']);
    expect(byKey.get('minimist@0.0.8')).toMatchObject({ direct: false, dev: false, paths: [['workspace:packages/api', 'mkdirp@0.5.1', 'minimist@0.0.8']] });
  });
});
