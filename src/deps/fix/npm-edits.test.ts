import { describe, expect, it } from 'vitest';
import { getJsonString, setJsonString } from './npm-json.js';
import { detectPackageManager, outputTail } from './npm-pm.js';
import { bumpRange, isRegistryRange } from './npm-ranges.js';
import { githubRepository, lowestQualifying, type Packument } from './npm-registry.js';

describe('setJsonString (package.json edits that keep the formatting)', () => {
  it('replaces a value in place, keeping indentation, key order, line endings and the final newline', () => {
    const text = '{\r\n\t"name": "x",\r\n\t"devDependencies": {\r\n\t\t"lodash":   "4.17.11",\r\n\t\t"a": "1"\r\n\t}\r\n}';
    expect(setJsonString(text, ['devDependencies', 'lodash'], '4.17.21')).toBe(text.replace('"4.17.11"', '"4.17.21"'));
  });

  it('adds a member (and the objects on its way) at the end, with the file indentation', () => {
    const text = '{\n    "name": "x",\n    "dependencies": {\n        "optimist": "0.6.1"\n    }\n}\n';
    expect(setJsonString(text, ['overrides', 'minimist'], '0.2.4')).toBe('{\n    "name": "x",\n    "dependencies": {\n        "optimist": "0.6.1"\n    },\n    "overrides": {\n        "minimist": "0.2.4"\n    }\n}\n');
    expect(setJsonString(text, ['pnpm', 'overrides', 'optimist>minimist'], '0.2.4')).toBe(
      '{\n    "name": "x",\n    "dependencies": {\n        "optimist": "0.6.1"\n    },\n    "pnpm": {\n        "overrides": {\n            "optimist>minimist": "0.2.4"\n        }\n    }\n}\n',
    );
    expect(setJsonString(text, ['dependencies', 'minimist'], '1.2.8')).toBe('{\n    "name": "x",\n    "dependencies": {\n        "optimist": "0.6.1",\n        "minimist": "1.2.8"\n    }\n}\n');
  });

  it('fills an empty object and extends a one-line one', () => {
    expect(setJsonString('{\n  "overrides": {}\n}\n', ['overrides', 'minimist'], '0.2.4')).toBe('{\n  "overrides": {\n    "minimist": "0.2.4"\n  }\n}\n');
    expect(setJsonString('{"name": "x", "dependencies": {"a": "1"}}', ['dependencies', 'b'], '2')).toBe('{"name": "x", "dependencies": {"a": "1", "b": "2"}}');
  });

  it('reads strings back, and refuses to overwrite an object or to go through a non-object', () => {
    const text = '{ "overrides": { "optimist": { "minimist": "0.2.4" } }, "x": 1 }';
    expect(getJsonString(text, ['overrides', 'optimist', 'minimist'])).toBe('0.2.4');
    expect(getJsonString(text, ['overrides', 'optimist'])).toBeUndefined();
    expect(() => setJsonString(text, ['overrides', 'optimist'], '1')).toThrow(/is an object, not a version/);
    expect(() => setJsonString(text, ['x', 'y'], '1')).toThrow(/"x" is not an object/);
    expect(() => setJsonString('{ "a": ', ['a'], '1', 'pkg/package.json')).toThrow(/^pkg\/package.json:1: not valid JSON/);
  });
});

describe('bumpRange (the minimal bump in the range’s own style)', () => {
  it.each([
    ['4.17.11', '4.17.21', '4.17.21'],
    ['=4.17.11', '4.17.21', '=4.17.21'],
    ['~1.2.0', '1.2.5', '~1.2.5'],
    ['^1.2.0', '2.0.1', '^2.0.1'],
    ['^0.0.8', '0.2.4', '^0.2.4'],
    ['>=1.0.0', '1.4.0', '>=1.4.0'],
    ['>1.0.0', '1.4.0', '>=1.4.0'],
    ['>=0.0.1 <0.1.0', '0.2.4', '>=0.2.4 <0.3.0'],
    ['1.2.x', '1.3.1', '~1.3.1'],
    ['1.x', '2.0.1', '^2.0.1'],
    ['^1.0.0 || ^2.0.0', '3.1.0', '^3.1.0'],
    ['<1.2.0', '1.4.0', '^1.4.0'],
  ])('%s → %s gives %s', (spec, target, expected) => {
    expect(bumpRange(spec, target)).toBe(expected);
  });

  it('tells registry ranges from other specifiers', () => {
    for (const spec of ['^1.2.3', '1.2.3', '*', '', '>=1 <2', '1.x || 2']) expect(isRegistryRange(spec), spec).toBe(true);
    for (const spec of ['npm:lodash@^4', 'workspace:*', 'file:../x', 'git+https://github.com/a/b.git', 'user/repo', 'latest', 'catalog:']) expect(isRegistryRange(spec), spec).toBe(false);
  });
});

describe('registry helpers', () => {
  it('reads GitHub repositories in the forms npm accepts', () => {
    expect(githubRepository('lodash/lodash')).toBe('lodash/lodash');
    expect(githubRepository('github:minimistjs/minimist')).toBe('minimistjs/minimist');
    expect(githubRepository('git+https://github.com/isaacs/node-mkdirp.git')).toBe('isaacs/node-mkdirp');
    expect(githubRepository('git://github.com/substack/minimist.git')).toBe('substack/minimist');
    expect(githubRepository('git@github.com:o/r.git')).toBe('o/r');
    expect(githubRepository('https://github.com/babel/babel/tree/main/packages/babel-core')).toBe('babel/babel');
    expect(githubRepository('https://gitlab.com/o/r.git')).toBeNull();
  });

  it('chooses the smallest clean version above the locked one: no pre-release, deprecated only as a last resort', () => {
    const pk: Packument = {
      name: 'p',
      versions: ['1.0.0', '1.0.1', '1.1.0-rc.1', '1.1.0', '1.2.0', '2.0.0'].map((version) => ({ version, deprecated: version === '1.1.0', dependencies: {} })),
    };
    const clean = (v: string): boolean => v !== '1.0.1';
    expect(lowestQualifying(pk, '1.0.0', clean)?.version).toBe('1.2.0');
    expect(lowestQualifying(pk, '1.0.0', clean, '~1.1.0')?.version).toBe('1.1.0');
    expect(lowestQualifying(pk, '1.1.0-rc.0', clean)?.version).toBe('1.1.0-rc.1');
    expect(lowestQualifying(pk, '2.0.0', clean)).toBeNull();
  });
});

describe('detectPackageManager', () => {
  const pkg = (pm?: string): string => JSON.stringify({ name: 'x', ...(pm ? { packageManager: pm } : {}) });
  it('takes the declared packageManager when it writes the lockfile’s format, else a version that does', () => {
    expect(detectPackageManager('npm-package-lock', '{"lockfileVersion": 2}', pkg())).toMatchObject({ kind: 'npm', command: 'npm', lockfileVersion: 2 });
    expect(detectPackageManager('npm-shrinkwrap', '{"dependencies": {}}', null)).toMatchObject({ kind: 'npm', lockfileVersion: 1 });
    expect(detectPackageManager('pnpm', "lockfileVersion: '9.0'\n", pkg('pnpm@9.12.1+sha512.abc'))).toMatchObject({ kind: 'pnpm', label: 'pnpm@9.12.1', prefix: ['pnpm@9.12.1'] });
    expect(detectPackageManager('pnpm', "lockfileVersion: '6.0'\n", pkg())).toMatchObject({ label: 'pnpm@8.15.9' });
    expect(detectPackageManager('pnpm', 'lockfileVersion: 5.4\n', pkg('yarn@1.22.22'))).toMatchObject({ label: 'pnpm@7.33.7' });
    expect(detectPackageManager('yarn-classic', '# yarn lockfile v1\n', pkg())).toMatchObject({ kind: 'yarn-classic', label: 'yarn@1.22.22' });
    expect(detectPackageManager('yarn-classic', '# yarn lockfile v1\n', pkg('yarn@4.5.0'))).toMatchObject({ kind: 'yarn-classic', label: 'yarn@1.22.22' });
    expect(detectPackageManager('yarn-berry', '__metadata:\n  version: 8\n', pkg('yarn@4.5.0'))).toMatchObject({ kind: 'yarn-berry', label: 'yarn@4.5.0' });
    expect(detectPackageManager('yarn-berry', '__metadata:\n  version: 6\n', pkg())).toMatchObject({ kind: 'yarn-berry', label: 'yarn@3.8.7' });
  });

  it('quotes a failed run from its first error line, without stack frames', () => {
    const out = 'some progress\n/usr/lib/corepack.cjs:1\n    throw new Error(\nError: Server answered with HTTP 404\n    at fetch (x.cjs:1:1)\n    at async y\nNode.js v20.20.2\n';
    expect(outputTail(out)).toBe('Error: Server answered with HTTP 404');
    expect(outputTail('a\nb\n')).toBe('a | b');
  });
});
