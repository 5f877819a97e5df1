import { describe, expect, it } from 'vitest';
import type { PlannedUpdate } from './fix/types.js';
import { advisoryLink, bodyFor, branchFor, titleFor, unitsOf } from './pr-text.js';
import type { DepsFinding } from './scan.js';

const advisory = (id: string, rating: 'critical' | 'high' | 'medium' | 'low', cve: string | null, fixedIn: string) => ({
  id,
  aliases: cve === null ? [] : [cve],
  cves: cve === null ? [] : [cve],
  summary: `summary of ${id} | with a pipe`,
  severity: { rating, score: rating === 'critical' ? 9.1 : null, vector: rating === 'critical' ? 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N' : null },
  fixedIn,
});

function update(pkg: string, over: Partial<PlannedUpdate> = {}): PlannedUpdate {
  return {
    ecosystem: 'npm',
    package: pkg,
    from: ['1.0.0'],
    to: '1.0.1',
    method: 'lockfile',
    lockfile: 'package-lock.json',
    files: ['package-lock.json'],
    advisories: [advisory(`GHSA-${pkg}-0000-0000`, 'high', `CVE-2024-${pkg.length}`, '1.0.1')],
    severity: 'high',
    status: 'fixed',
    reason: null,
    releaseNotes: `https://www.npmjs.com/package/${pkg}/v/1.0.1`,
    ...over,
  };
}

const finding = (ecosystem: 'npm' | 'PyPI', pkg: string) => ({ ecosystem, package: pkg }) as unknown as DepsFinding;

describe('branch names', () => {
  it('are deterministic per package, ecosystem or all, and safe for git', () => {
    expect(branchFor(finding('npm', 'lodash'), 'package')).toBe('patchwarden/npm-lodash');
    expect(branchFor(finding('npm', '@babel/core'), 'package')).toBe('patchwarden/npm-babel--core');
    expect(branchFor(finding('PyPI', 'Jinja2'), 'package')).toBe('patchwarden/pypi-jinja2');
    expect(branchFor(finding('PyPI', 'zope.interface'), 'package')).toBe('patchwarden/pypi-zope.interface');
    expect(branchFor(finding('npm', 'lodash'), 'ecosystem')).toBe('patchwarden/npm-security');
    expect(branchFor(finding('PyPI', 'django'), 'all')).toBe('patchwarden/security');
  });

  it('group findings into sorted units', () => {
    const units = unitsOf([finding('npm', 'minimist'), finding('npm', 'lodash'), finding('npm', 'minimist'), finding('PyPI', 'django')], 'package');
    expect([...units.keys()]).toEqual(['patchwarden/npm-lodash', 'patchwarden/npm-minimist', 'patchwarden/pypi-django']);
    expect(units.get('patchwarden/npm-minimist')).toHaveLength(2);
    expect([...unitsOf([finding('npm', 'a'), finding('PyPI', 'b')], 'ecosystem').keys()]).toEqual(['patchwarden/npm-security', 'patchwarden/pypi-security']);
  });
});

describe('titles', () => {
  it('name the package and the version, or count a group', () => {
    expect(titleFor([update('lodash', { to: '4.17.21' })], 'package')).toBe('Update lodash to 4.17.21 [security]');
    expect(titleFor([update('a'), update('b'), update('c', { status: 'not-fixable', to: null })], 'ecosystem')).toBe('Update 2 vulnerable npm packages [security]');
    expect(titleFor([update('a'), update('b', { ecosystem: 'PyPI' })], 'all')).toBe('Update 2 vulnerable dependencies [security]');
  });
});

describe('bodies', () => {
  it('list versions, how, advisories with links and severity, release notes; the same input gives the same text', () => {
    const updates = [
      update('minimist', { method: 'override', severity: 'critical', from: ['0.0.10'], to: '0.2.4', advisories: [advisory('GHSA-xvch-5gv4-984h', 'critical', 'CVE-2021-44906', '0.2.4')] }),
      update('lodash', { method: 'parent', parent: { name: 'x', from: '1.0.0', to: '1.1.0' } }),
      update('left-pad', { status: 'not-fixable', to: null, method: null, reason: 'no published version is free of GHSA-1' }),
    ];
    const body = bodyFor(updates, 'main');
    expect(body).toBe(bodyFor([...updates].reverse(), 'main'));
    expect(body).toContain('| minimist (npm) | 0.0.10 | 0.2.4 | override added in the root manifest | `package-lock.json` | critical |');
    expect(body).toContain('| lodash (npm) | 1.0.0 | 1.0.1 | parent bumped (x 1.0.0 → 1.1.0) |');
    expect(body).toContain('[GHSA-xvch-5gv4-984h](https://github.com/advisories/GHSA-xvch-5gv4-984h), [CVE-2021-44906](https://nvd.nist.gov/vuln/detail/CVE-2021-44906): **critical** 9.1 `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N`');
    expect(body).toContain('summary of GHSA-xvch-5gv4-984h \\| with a pipe');
    expect(body.indexOf('GHSA-xvch')).toBeLessThan(body.indexOf('GHSA-lodash'));
    expect(body).toContain('- minimist@0.2.4: https://www.npmjs.com/package/minimist/v/1.0.1');
    expect(body).toContain('- left-pad 1.0.0 in `package-lock.json`: no published version is free of GHSA-1');
    expect(body).toContain('on `main`');
  });

  it('link advisories by their kind', () => {
    expect(advisoryLink('PYSEC-2021-66')).toBe('https://osv.dev/vulnerability/PYSEC-2021-66');
    expect(advisoryLink('CVE-2021-1')).toBe('https://nvd.nist.gov/vuln/detail/CVE-2021-1');
  });
});
