import { describe, expect, it } from 'vitest';
import { parseLockfile, lockfileKindOf, type LockfileInput } from './index.js';
import { parsePnpmKey } from './pnpm.js';
import { splitDescriptor } from './yarn.js';
import { expandWorkspaces } from './workspaces.js';

/** An input whose neighbours are `files` (paths relative to the lockfile's folder). */
function input(path: string, text: string, files: Record<string, string> = {}): LockfileInput {
  return {
    path,
    text,
    read: (rel) => files[rel.replace(/^\.\//, '')] ?? null,
    list: (dir) => [...new Set(Object.keys(files).filter((f) => dir === '.' || f.startsWith(`${dir}/`)).map((f) => f.slice(dir === '.' ? 0 : dir.length + 1).split('/')).filter((parts) => parts.length > 1).map((parts) => parts[0]!))].sort(),
  };
}

describe('lockfileKindOf', () => {
  it.each([
    ['package-lock.json', 'npm-package-lock'],
    ['npm-shrinkwrap.json', 'npm-shrinkwrap'],
    ['yarn.lock', 'yarn'],
    ['pnpm-lock.yaml', 'pnpm'],
    ['poetry.lock', 'poetry'],
    ['Pipfile.lock', 'pipenv'],
    ['requirements.txt', 'pip-requirements'],
    ['requirements-dev.txt', 'pip-requirements'],
    ['requirements_test.txt', 'pip-requirements'],
    ['requirements.in', null],
    ['package.json', null],
  ])('%s -> %s', (name, kind) => expect(lockfileKindOf(name)).toBe(kind));
});

describe('keys and descriptors', () => {
  it('pnpm keys of every layout, peers and scopes removed', () => {
    expect(parsePnpmKey('/@babel/core/7.1.0_supports-color@5.5.0', 5)).toEqual({ name: '@babel/core', version: '7.1.0' });
    expect(parsePnpmKey('/@babel/core@7.1.0(supports-color@5.5.0)', 6)).toEqual({ name: '@babel/core', version: '7.1.0' });
    expect(parsePnpmKey('@babel/core@7.1.0(supports-color@5.5.0)', 9)).toEqual({ name: '@babel/core', version: '7.1.0' });
  });
  it('yarn descriptors split at the version @, scopes kept', () => {
    expect(splitDescriptor('@types/node@npm:^20.1.0')).toEqual(['@types/node', 'npm:^20.1.0']);
    expect(splitDescriptor('lodash@^4.17.11')).toEqual(['lodash', '^4.17.11']);
  });
});

describe('yarn classic', () => {
  it('reads quoted multi-descriptor keys and npm: aliases, with the manifest for direct deps', () => {
    const text = '# yarn lockfile v1\n\n"strip-ansi-cjs@npm:strip-ansi@^6.0.1", strip-ansi@^6.0.1:\n  version "6.0.1"\n  dependencies:\n    ansi-regex "^5.0.1"\n\nansi-regex@^5.0.1:\n  version "5.0.1"\n';
    const parsed = parseLockfile('yarn', input('yarn.lock', text, { 'package.json': '{"dependencies":{"strip-ansi":"^6.0.1"}}' }));
    expect(parsed.packages.map((p) => [p.name, p.version, p.direct, p.line, p.paths[0]!.join(' > ')])).toEqual([
      ['ansi-regex', '5.0.1', false, 8, 'strip-ansi@6.0.1 > ansi-regex@5.0.1'],
      ['strip-ansi', '6.0.1', true, 3, 'strip-ansi@6.0.1'],
    ]);
  });
  it('an entry without a version is an error with its line', () => {
    expect(() => parseLockfile('yarn', input('yarn.lock', '# yarn lockfile v1\n\na@^1:\n  resolved "x"\n'))).toThrow('yarn.lock:3: entry "a@^1" has no version; regenerate it with `yarn install` (Yarn 1)');
  });
});

describe('npm lockfile v1 without a package.json', () => {
  it('counts the top-level entries nothing requires as direct, and says so', () => {
    const text = JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: '1.0.0', requires: { b: '^2' } }, b: { version: '2.0.0', dev: true }, g: { version: 'github:x/y#abc' } } }, null, 2);
    const parsed = parseLockfile('npm-package-lock', input('package-lock.json', text));
    expect(parsed.packages.map((p) => [p.name, p.direct, p.dev])).toEqual([['a', true, false], ['b', false, true]]);
    expect(parsed.notes.map((n) => n.kind)).toEqual(['skipped', 'ignored-file']);
  });
});

describe('pip requirements', () => {
  it('pins (== and ===), extras, markers, options, continuations; everything else is a not-pinned note', () => {
    const text = [
      '--index-url https://pypi.org/simple',
      'Django[argon2]==4.2.1 ; python_version >= "3.8" \\',
      '    --hash=sha256:abc',
      'six===1.16.0',
      'numpy==1.*',
      'flask>=2',
      'pkg @ https://example.com/pkg.whl',
      'git+https://github.com/x/y.git#egg=y',
      '',
    ].join('\n');
    const parsed = parseLockfile('pip-requirements', input('requirements.txt', text));
    expect(parsed.packages.map((p) => [p.name, p.version, p.line, p.markers ?? null, p.direct])).toEqual([
      ['Django', '4.2.1', 2, 'python_version >= "3.8"', true],
      ['six', '1.16.0', 4, null, true],
    ]);
    expect(parsed.notes.map((n) => [n.line, n.kind])).toEqual([[5, 'not-pinned'], [6, 'not-pinned'], [7, 'not-pinned'], [8, 'not-pinned']]);
  });
  it('a missing -r include and an unknown option are errors naming the line', () => {
    expect(() => parseLockfile('pip-requirements', input('req/requirements.txt', 'a==1\n-r missing.txt\n'))).toThrow('req/requirements.txt:2: the included requirements file missing.txt does not exist');
    expect(() => parseLockfile('pip-requirements', input('requirements.txt', '--frobnicate\n'))).toThrow('requirements.txt:1: unknown pip option "--frobnicate"');
  });
  it('a file named for dev or tests holds dev packages', () => {
    expect(parseLockfile('pip-requirements', input('requirements-test.txt', 'pytest==7.0.0\n')).packages[0]!.dev).toBe(true);
  });
});

describe('poetry.lock 1.x', () => {
  it('reads category main/dev and the graph; TOML errors name the line', () => {
    const text = '[[package]]\nname = "pytest"\nversion = "7.0.0"\ncategory = "dev"\noptional = false\n\n[package.dependencies]\npluggy = ">=1"\n\n[[package]]\nname = "pluggy"\nversion = "1.0.0"\ncategory = "dev"\noptional = false\n\n[metadata]\nlock-version = "1.1"\n';
    const parsed = parseLockfile('poetry', input('poetry.lock', text));
    expect(parsed.packages.map((p) => [p.name, p.dev, p.direct, p.line])).toEqual([['pluggy', true, false, 10], ['pytest', true, true, 1]]);
    expect(() => parseLockfile('poetry', input('poetry.lock', '[[package]]\nname = "x\n'))).toThrow(/^poetry\.lock:2: not valid TOML/);
    expect(() => parseLockfile('poetry', input('poetry.lock', '[metadata]\nlock-version = "9.0"\n'))).toThrow('poetry.lock:2: unknown lock-version "9.0"');
  });
});

describe('workspace globs', () => {
  it('expands *, ** and negations to folders that hold a package.json', () => {
    const files = { 'packages/a/package.json': '{}', 'packages/b/package.json': '{}', 'packages/old/package.json': '{}', 'apps/web/x/package.json': '{}', 'docs/readme.md': '' };
    expect(expandWorkspaces(input('package-lock.json', '', files), ['packages/*', '!packages/old', 'apps/**'])).toEqual(['apps/web/x', 'packages/a', 'packages/b']);
  });
});
