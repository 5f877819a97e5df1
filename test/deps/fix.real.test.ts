/**
 * The fix engine on real projects: lockfiles written by npm, yarn 1, yarn 4 and pnpm 9 from the npm
 * registry, real GHSA records (lodash, minimist, ip), the real package managers rewriting the
 * lockfiles. Each case asserts the exact update, the exact manifest text and the versions locked
 * afterwards, and re-scans the project clean.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyFixes, type PlannedUpdate } from '../../src/deps/fix/index.js';
import { lockfileKindOf } from '../../src/deps/lockfiles/index.js';
import { readLockfiles, scanDirectory, type ScanReport } from '../../src/deps/scan.js';
import { ADVISORIES, FIX_ADVISORIES } from './advisory-fixtures.js';
import { FIX_ENV, manifest, stagedProject, type FixTool, type Stage } from './fix-helpers.js';
import { memorySource, realProject, tempDir, workspaceProject } from './helpers.js';

const SOURCE = memorySource([...ADVISORIES, ...FIX_ADVISORIES]);
const LODASH_IDS = ['GHSA-jf85-cpcp-j695', 'GHSA-p6mc-m468-83gw', 'GHSA-35jh-r3h4-6jhm'];
const MINIMIST_IDS = ['GHSA-vh95-rmgr-6w4m', 'GHSA-xvch-5gv4-984h'];
const LODASH_NOTES = 'https://github.com/lodash/lodash/releases/tag/v4.17.21';
const TIMEOUT = 240_000;

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('pw-fix-');
});
afterAll(() => tmp.cleanup());

let counter = 0;
function project(tool: FixTool, stages: readonly Stage[]): string {
  counter += 1;
  return stagedProject(tool, stages, join(tmp.dir, `${tool}-${counter}`));
}

const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');

/** `name@version` of every package the lockfile locks, sorted (read with Patchwarden's parsers). */
function locked(dir: string, file: string): string[] {
  const { parsed, errors } = readLockfiles(dir, [{ path: file, kind: lockfileKindOf(file)! }]);
  expect(errors).toEqual([]);
  return [...new Set(parsed[0]!.packages.map((p) => `${p.name}@${p.version}`))].sort();
}

async function fix(dir: string): Promise<{ before: ScanReport; updates: PlannedUpdate[]; after: ScanReport; lines: string[] }> {
  const before = await scanDirectory(dir, { advisories: SOURCE });
  const lines: string[] = [];
  const updates = await applyFixes(dir, before.findings, { advisories: SOURCE, env: FIX_ENV, onProgress: (l) => lines.push(l) });
  const after = await scanDirectory(dir, { advisories: SOURCE });
  return { before, updates, after, lines };
}

/** The update without the advisory details (checked separately by id). */
function shape(u: PlannedUpdate): Record<string, unknown> {
  const { advisories, ...rest } = u;
  return { ...rest, advisories: advisories.map((a) => a.id).sort() };
}

const noLeftovers = (dir: string): void => {
  for (const f of ['node_modules', '.pnp.cjs', '.yarn/install-state.gz', '.yarn-modules']) expect(existsSync(join(dir, f)), f).toBe(false);
};

describe('fix engine, npm', () => {
  it('direct dependency in range: only package-lock.json changes, to the smallest clean version', { timeout: TIMEOUT }, async () => {
    const widened = manifest({ dependencies: { lodash: '^4.17.11' } });
    const dir = project('npm', [{ files: { 'package.json': manifest({ dependencies: { lodash: '4.17.11' } }) } }, { files: { 'package.json': widened } }]);
    expect(locked(dir, 'package-lock.json')).toEqual(['lodash@4.17.11']);
    const { updates, after, lines } = await fix(dir);
    expect(updates.map(shape)).toEqual([
      {
        ecosystem: 'npm',
        package: 'lodash',
        from: ['4.17.11'],
        to: '4.17.21',
        method: 'lockfile',
        lockfile: 'package-lock.json',
        files: ['package-lock.json'],
        advisories: [...LODASH_IDS].sort(),
        severity: 'critical',
        status: 'fixed',
        reason: null,
        releaseNotes: LODASH_NOTES,
      },
    ]);
    expect(read(dir, 'package.json')).toBe(widened);
    const lock = JSON.parse(read(dir, 'package-lock.json'));
    expect(lock.packages['node_modules/lodash'].version).toBe('4.17.21');
    expect(lock.packages[''].dependencies).toEqual({ lodash: '^4.17.11' });
    expect(after.findings).toEqual([]);
    expect(lines).toContain('lodash 4.17.11 → 4.17.21 (lockfile) in package-lock.json');
    noLeftovers(dir);
  });

  it('direct dev dependency out of range: the exact version is bumped in place, formatting kept', { timeout: TIMEOUT }, async () => {
    const text = (v: string): string => `{\n    "version": "1.0.0",\n    "name": "demo",\n    "devDependencies": {\n        "lodash": "${v}"\n    },\n    "private": true\n}\n`;
    const dir = project('npm', [{ files: { 'package.json': text('4.17.11') } }]);
    const { updates, after } = await fix(dir);
    expect(updates.map(shape)).toEqual([
      {
        ecosystem: 'npm',
        package: 'lodash',
        from: ['4.17.11'],
        to: '4.17.21',
        method: 'manifest',
        lockfile: 'package-lock.json',
        files: ['package-lock.json', 'package.json'],
        range: { manifest: 'package.json', from: '4.17.11', to: '4.17.21' },
        advisories: [...LODASH_IDS].sort(),
        severity: 'critical',
        status: 'fixed',
        reason: null,
        releaseNotes: LODASH_NOTES,
      },
    ]);
    expect(read(dir, 'package.json')).toBe(text('4.17.21'));
    const lock = JSON.parse(read(dir, 'package-lock.json'));
    expect(lock.packages['node_modules/lodash']).toMatchObject({ version: '4.17.21', dev: true });
    expect(after.findings).toEqual([]);
  });

  it('transitive in range: mkdirp 0.5.5 asks minimist ^1.2.5, locked at 1.2.5; only the lockfile moves it to 1.2.6', { timeout: TIMEOUT }, async () => {
    const plain = manifest({ dependencies: { mkdirp: '0.5.5' } });
    const dir = project('npm', [{ files: { 'package.json': manifest({ dependencies: { mkdirp: '0.5.5' }, overrides: { minimist: '1.2.5' } }) } }, { files: { 'package.json': plain } }]);
    expect(locked(dir, 'package-lock.json')).toEqual(['minimist@1.2.5', 'mkdirp@0.5.5']);
    const { updates, after } = await fix(dir);
    expect(updates.map((u) => [u.package, u.from, u.to, u.method, u.status, u.files, u.parent ?? null, u.range ?? null, u.advisories.map((a) => a.id)])).toEqual([
      ['minimist', ['1.2.5'], '1.2.6', 'lockfile', 'fixed', ['package-lock.json'], null, null, ['GHSA-xvch-5gv4-984h']],
    ]);
    expect(read(dir, 'package.json')).toBe(plain);
    expect(locked(dir, 'package-lock.json')).toEqual(['minimist@1.2.6', 'mkdirp@0.5.5']);
    expect(after.findings).toEqual([]);
  });

  it('transitive through a parent: mkdirp 0.5.1 (minimist 0.0.8) becomes mkdirp 0.5.2, the first whose range (^1.2.5) admits a clean minimist', { timeout: TIMEOUT }, async () => {
    const dir = project('npm', [{ files: { 'package.json': manifest({ dependencies: { mkdirp: '0.5.1' } }) } }]);
    expect(locked(dir, 'package-lock.json')).toEqual(['minimist@0.0.8', 'mkdirp@0.5.1']);
    const { updates, after } = await fix(dir);
    expect(updates.map(shape)).toEqual([
      {
        ecosystem: 'npm',
        package: 'minimist',
        from: ['0.0.8'],
        to: '1.2.6',
        method: 'parent',
        lockfile: 'package-lock.json',
        files: ['package-lock.json', 'package.json'],
        parent: { name: 'mkdirp', from: '0.5.1', to: '0.5.2' },
        range: { manifest: 'package.json', from: '0.5.1', to: '0.5.2' },
        advisories: [...MINIMIST_IDS].sort(),
        severity: 'critical',
        status: 'fixed',
        reason: null,
        releaseNotes: 'https://github.com/substack/minimist/releases/tag/v1.2.6',
      },
    ]);
    expect(read(dir, 'package.json')).toBe(manifest({ dependencies: { mkdirp: '0.5.2' } }));
    expect(locked(dir, 'package-lock.json')).toEqual(['minimist@1.2.6', 'mkdirp@0.5.2']);
    expect(after.findings).toEqual([]);
  });

  it('transitive without a parent fix: optimist 0.6.1 (its last version, minimist ~0.0.1) gets overrides.minimist', { timeout: TIMEOUT }, async () => {
    const dir = project('npm', [{ files: { 'package.json': manifest({ dependencies: { optimist: '0.6.1' } }) } }]);
    expect(locked(dir, 'package-lock.json')).toEqual(['minimist@0.0.10', 'optimist@0.6.1', 'wordwrap@0.0.3']);
    const { updates, after } = await fix(dir);
    expect(updates.map(shape)).toEqual([
      {
        ecosystem: 'npm',
        package: 'minimist',
        from: ['0.0.10'],
        to: '0.2.4',
        method: 'override',
        lockfile: 'package-lock.json',
        files: ['package-lock.json', 'package.json'],
        range: { manifest: 'package.json', from: '~0.0.1', to: '0.2.4' },
        advisories: [...MINIMIST_IDS].sort(),
        severity: 'critical',
        status: 'fixed',
        reason: null,
        releaseNotes: 'https://github.com/minimistjs/minimist/releases/tag/v0.2.4',
      },
    ]);
    expect(read(dir, 'package.json')).toBe(manifest({ dependencies: { optimist: '0.6.1' }, overrides: { minimist: '0.2.4' } }));
    expect(locked(dir, 'package-lock.json')).toEqual(['minimist@0.2.4', 'optimist@0.6.1', 'wordwrap@0.0.3']);
    expect(after.findings).toEqual([]);
  });

  it('an override only where needed: the root also depends on minimist 1.2.8, so optimist gets overrides.optimist.minimist', { timeout: TIMEOUT }, async () => {
    const dir = project('npm', [{ files: { 'package.json': manifest({ dependencies: { minimist: '1.2.8', optimist: '0.6.1' } }) } }]);
    expect(locked(dir, 'package-lock.json')).toEqual(['minimist@0.0.10', 'minimist@1.2.8', 'optimist@0.6.1', 'wordwrap@0.0.3']);
    const { updates, after } = await fix(dir);
    expect(updates.map((u) => [u.package, u.from, u.to, u.method, u.status, u.files, u.range ?? null])).toEqual([
      ['minimist', ['0.0.10'], '0.2.4', 'override', 'fixed', ['package-lock.json', 'package.json'], { manifest: 'package.json', from: '~0.0.1', to: '0.2.4' }],
    ]);
    expect(read(dir, 'package.json')).toBe(manifest({ dependencies: { minimist: '1.2.8', optimist: '0.6.1' }, overrides: { optimist: { minimist: '0.2.4' } } }));
    const lock = JSON.parse(read(dir, 'package-lock.json'));
    expect(lock.packages['node_modules/minimist'].version).toBe('1.2.8');
    expect(lock.packages['node_modules/optimist/node_modules/minimist'].version).toBe('0.2.4');
    expect(after.findings).toEqual([]);
  });

  it('workspaces: each fix edits the workspace manifest that declares the dependency', { timeout: TIMEOUT }, async () => {
    const files = workspaceProject('npm3');
    const dir = realProject('npm3', files, join(tmp.dir, 'npm-workspaces'));
    const { updates, after } = await fix(dir);
    expect(updates.map((u) => [u.package, u.from, u.to, u.method, u.status, u.files, u.parent ?? null, u.range ?? null])).toEqual([
      ['lodash', ['4.17.11'], '4.17.21', 'manifest', 'fixed', ['package-lock.json', 'packages/util/package.json'], null, { manifest: 'packages/util/package.json', from: '4.17.11', to: '4.17.21' }],
      ['minimist', ['0.0.8'], '1.2.6', 'parent', 'fixed', ['package-lock.json', 'packages/api/package.json'], { name: 'mkdirp', from: '0.5.1', to: '0.5.2' }, { manifest: 'packages/api/package.json', from: '0.5.1', to: '0.5.2' }],
    ]);
    expect(read(dir, 'package.json')).toBe(files['package.json']);
    expect(read(dir, 'packages/util/package.json')).toBe(files['packages/util/package.json']!.replace('"4.17.11"', '"4.17.21"'));
    expect(read(dir, 'packages/api/package.json')).toBe(files['packages/api/package.json']!.replace('"0.5.1"', '"0.5.2"'));
    expect(locked(dir, 'package-lock.json')).toEqual(['is-number@7.0.0', 'lodash@4.17.21', 'minimist@1.2.6', 'mkdirp@0.5.2', 'ms@2.1.3']);
    expect(after.findings).toEqual([]);
    noLeftovers(dir);
  });

  it('no clean version published: not-fixable, with the reason, and no file touched', { timeout: TIMEOUT }, async () => {
    const dir = project('npm', [{ files: { 'package.json': manifest({ dependencies: { ip: '2.0.1' } }) } }]);
    const pkg = read(dir, 'package.json');
    const lock = read(dir, 'package-lock.json');
    const { updates, after } = await fix(dir);
    expect(updates.map(shape)).toEqual([
      {
        ecosystem: 'npm',
        package: 'ip',
        from: ['2.0.1'],
        to: null,
        method: null,
        lockfile: 'package-lock.json',
        files: [],
        advisories: ['GHSA-2p57-rm9w-gvfp'],
        severity: 'high',
        status: 'not-fixable',
        reason: 'no published version of ip above 2.0.1 is free of the known advisories (GHSA-2p57-rm9w-gvfp); the newest, 2.0.1, is still affected',
        releaseNotes: null,
      },
    ]);
    expect(read(dir, 'package.json')).toBe(pkg);
    expect(read(dir, 'package-lock.json')).toBe(lock);
    expect(after.findings.map((f) => f.package)).toEqual(['ip']);
  });
});

describe('fix engine, yarn and pnpm', () => {
  it('yarn classic: an exact direct dependency bumped; two copies of minimist, one pinned in range, one through `resolutions`', { timeout: TIMEOUT }, async () => {
    const deps = { lodash: '4.17.11', mkdirp: '0.5.5', optimist: '0.6.1' };
    const dir = project('yarn1', [
      { files: { 'package.json': manifest({ dependencies: deps, resolutions: { '**/mkdirp/minimist': '1.2.5' } }) } },
      { files: { 'package.json': manifest({ dependencies: deps }) } },
    ]);
    expect(locked(dir, 'yarn.lock')).toEqual(['lodash@4.17.11', 'minimist@0.0.10', 'minimist@1.2.5', 'mkdirp@0.5.5', 'optimist@0.6.1', 'wordwrap@0.0.3']);
    const { updates, after, lines } = await fix(dir);
    expect(updates.map((u) => [u.package, u.from, u.to, u.method, u.status, u.files, u.range ?? null])).toEqual([
      ['lodash', ['4.17.11'], '4.17.21', 'manifest', 'fixed', ['package.json', 'yarn.lock'], { manifest: 'package.json', from: '4.17.11', to: '4.17.21' }],
      ['minimist', ['0.0.10', '1.2.5'], '1.2.6', 'override', 'fixed', ['package.json', 'yarn.lock'], { manifest: 'package.json', from: '~0.0.1', to: '0.2.4' }],
    ]);
    // Two copies needing two versions: the resolution is scoped to optimist; mkdirp's copy moved within its range.
    expect(read(dir, 'package.json')).toBe(manifest({ dependencies: { ...deps, lodash: '4.17.21' }, resolutions: { '**/optimist/minimist': '0.2.4' } }));
    const lock = read(dir, 'yarn.lock');
    expect(lock).toMatch(/^lodash@4\.17\.21:\n {2}version "4\.17\.21"$/m);
    expect(lock).toMatch(/^minimist@\^1\.2\.5:\n {2}version "1\.2\.6"$/m);
    expect(lock).toMatch(/^minimist@0\.2\.4, minimist@~0\.0\.1:\n {2}version "0\.2\.4"$/m);
    expect(locked(dir, 'yarn.lock')).toEqual(['lodash@4.17.21', 'minimist@0.2.4', 'minimist@1.2.6', 'mkdirp@0.5.5', 'optimist@0.6.1', 'wordwrap@0.0.3']);
    expect(after.findings).toEqual([]);
    expect(lines.some((l) => l.includes('(yarn@1.22.22)'))).toBe(true);
    noLeftovers(dir);
  });

  it('yarn Berry: a direct dependency pinned in range (lockfile only), a transitive one through its parent', { timeout: TIMEOUT }, async () => {
    const widened = manifest({ dependencies: { lodash: '^4.17.11', mkdirp: '0.5.1' } });
    const dir = project('yarn4', [
      { files: { 'package.json': manifest({ dependencies: { lodash: '4.17.11', mkdirp: '0.5.1' } }) } },
      { files: { 'package.json': widened }, then: [['set', 'resolution', 'lodash@npm:^4.17.11', 'npm:4.17.11']] },
    ]);
    expect(locked(dir, 'yarn.lock')).toEqual(['lodash@4.17.11', 'minimist@0.0.8', 'mkdirp@0.5.1']);
    const { updates, after } = await fix(dir);
    expect(updates.map((u) => [u.package, u.from, u.to, u.method, u.status, u.files, u.parent ?? null])).toEqual([
      ['lodash', ['4.17.11'], '4.17.21', 'lockfile', 'fixed', ['yarn.lock'], null],
      ['minimist', ['0.0.8'], '1.2.6', 'parent', 'fixed', ['package.json', 'yarn.lock'], { name: 'mkdirp', from: '0.5.1', to: '0.5.2' }],
    ]);
    expect(read(dir, 'package.json')).toBe(manifest({ dependencies: { lodash: '^4.17.11', mkdirp: '0.5.2' } }));
    const lock = read(dir, 'yarn.lock');
    expect(lock).toMatch(/^"lodash@npm:\^4\.17\.11":\n {2}version: 4\.17\.21$/m);
    expect(lock).toMatch(/^"minimist@npm:\^1\.2\.5":\n {2}version: 1\.2\.6$/m);
    expect(locked(dir, 'yarn.lock')).toEqual(['lodash@4.17.21', 'minimist@1.2.6', 'mkdirp@0.5.2']);
    expect(after.findings).toEqual([]);
    noLeftovers(dir);
  });

  it('pnpm 9: a direct dependency pinned in range (lockfile only), a transitive one through pnpm.overrides', { timeout: TIMEOUT }, async () => {
    const widened = manifest({ dependencies: { lodash: '^4.17.11', optimist: '0.6.1' } });
    const dir = project('pnpm9', [
      { files: { 'package.json': manifest({ dependencies: { lodash: '^4.17.11', optimist: '0.6.1' }, pnpm: { overrides: { lodash: '4.17.11' } } }) } },
      { files: { 'package.json': widened } },
    ]);
    expect(locked(dir, 'pnpm-lock.yaml')).toEqual(['lodash@4.17.11', 'minimist@0.0.10', 'optimist@0.6.1', 'wordwrap@0.0.3']);
    const { updates, after } = await fix(dir);
    expect(updates.map((u) => [u.package, u.from, u.to, u.method, u.status, u.files, u.range ?? null])).toEqual([
      ['lodash', ['4.17.11'], '4.17.21', 'lockfile', 'fixed', ['pnpm-lock.yaml'], null],
      ['minimist', ['0.0.10'], '0.2.4', 'override', 'fixed', ['package.json', 'pnpm-lock.yaml'], { manifest: 'package.json', from: '~0.0.1', to: '0.2.4' }],
    ]);
    expect(read(dir, 'package.json')).toBe(manifest({ dependencies: { lodash: '^4.17.11', optimist: '0.6.1' }, pnpm: { overrides: { minimist: '0.2.4' } } }));
    const lock = read(dir, 'pnpm-lock.yaml');
    expect(lock).toContain('overrides:\n  minimist: 0.2.4\n');
    expect(lock).toContain("      lodash:\n        specifier: ^4.17.11\n        version: 4.17.21\n");
    expect(locked(dir, 'pnpm-lock.yaml')).toEqual(['lodash@4.17.21', 'minimist@0.2.4', 'optimist@0.6.1', 'wordwrap@0.0.3']);
    expect(after.findings).toEqual([]);
    noLeftovers(dir);
  });

  it('a package manager that fails: every file restored, the update failed with the command and its error', { timeout: TIMEOUT }, async () => {
    const dir = project('pnpm9', [{ files: { 'package.json': manifest({ dependencies: { lodash: '4.17.11' } }) } }]);
    // A `packageManager` pin corepack cannot fetch: the manifest edit happens, the relock fails.
    writeFileSync(join(dir, 'package.json'), manifest({ dependencies: { lodash: '4.17.11' }, packageManager: 'pnpm@0.0.0-nope' }));
    const pkg = read(dir, 'package.json');
    const lock = read(dir, 'pnpm-lock.yaml');
    const { updates, after } = await fix(dir);
    expect(updates.map((u) => [u.package, u.to, u.method, u.status, u.files])).toEqual([['lodash', '4.17.21', 'manifest', 'failed', []]]);
    expect(updates[0]!.reason).toMatch(/^`pnpm install --lockfile-only --ignore-scripts --no-frozen-lockfile` failed in .+ \(exit code 1\): .*HTTP 404.*pnpm\/0\.0\.0-nope.*; run it there to see the whole output$/);
    expect(read(dir, 'package.json')).toBe(pkg);
    expect(read(dir, 'pnpm-lock.yaml')).toBe(lock);
    expect(after.findings.map((f) => `${f.package}@${f.version}`)).toEqual(['lodash@4.17.11']);
    noLeftovers(dir);
  });
});
