import { describe, expect, it } from 'vitest';
import { isAppError } from '../domain/errors.js';
import { apk } from './apk/index.js';
import { deb } from './deb/index.js';
import { pep440 } from './pep440/index.js';
import { KNOWN_ECOSYSTEMS, schemeByName, schemeForEcosystem } from './registry.js';
import { rpm } from './rpm/index.js';
import type { VersionScheme } from './scheme.js';
import { cargoSemver, goSemver, semver } from './semver/index.js';

describe('schemeForEcosystem', () => {
  const table: [string, VersionScheme][] = [
    ['Debian', deb],
    ['Debian:12', deb],
    ['Debian:sid', deb],
    ['Ubuntu', deb],
    ['Ubuntu:22.04:LTS', deb],
    ['Ubuntu:Pro:18.04:LTS', deb],
    ['Ubuntu:24.10', deb],
    ['AlmaLinux', rpm],
    ['AlmaLinux:9', rpm],
    ['Rocky Linux:8', rpm],
    ['Red Hat:rhel_aus:8.4::appstream', rpm],
    ['Red Hat:enterprise_linux:9::baseos', rpm],
    ['SUSE:Linux Enterprise Server 15 SP5', rpm],
    ['openSUSE:Leap 15.5', rpm],
    ['Mageia:9', rpm],
    ['openEuler:22.03-LTS-SP3', rpm],
    ['Photon OS:5.0', rpm],
    ['Azure Linux:3', rpm],
    ['Alpine:v3.19', apk],
    ['Alpine', apk],
    ['Wolfi', apk],
    ['Chainguard', apk],
    ['Alpaquita:stream', apk],
    ['BellSoft Hardened Containers:stream', apk],
    ['npm', semver],
    ['crates.io', cargoSemver],
    ['Go', goSemver],
    ['PyPI', pep440],
  ];
  it.each(table)('%s → %s', (ecosystem, scheme) => {
    expect(schemeForEcosystem(ecosystem)).toBe(scheme);
  });

  it('orders with the mapped scheme', () => {
    expect(schemeForEcosystem('Debian:12').compare('1.0~rc1', '1.0')).toBe(-1);
    expect(schemeForEcosystem('Red Hat:enterprise_linux:9::baseos').compare('6.0.rc1', '6.0')).toBe(1);
    expect(schemeForEcosystem('Alpine:v3.20').compare('1.0_rc1', '1.0')).toBe(-1);
  });

  it.each(['Maven', 'NuGet', 'RubyGems:x', '', 'Debian12', 'FreeBSD:ports', 'GIT'])('refuses %j with the list of known ecosystems', (ecosystem) => {
    try {
      schemeForEcosystem(ecosystem);
      expect.unreachable();
    } catch (err) {
      expect(isAppError(err, 'validation')).toBe(true);
      expect((err as Error).message).toBe(`Unknown ecosystem ${JSON.stringify(ecosystem)}: no version scheme; known: ${KNOWN_ECOSYSTEMS.join(', ')}`);
    }
  });

  it('says that names are case-sensitive when only the case differs', () => {
    expect(() => schemeForEcosystem('pypi')).toThrow('Unknown ecosystem "pypi": no version scheme (names are case-sensitive: did you mean "PyPI"?); known: ');
    expect(() => schemeForEcosystem('debian:12')).toThrow('did you mean "Debian"?');
  });

  it('lists the known ecosystems sorted', () => {
    expect(KNOWN_ECOSYSTEMS).toContain('Debian');
    expect([...KNOWN_ECOSYSTEMS].sort((a, b) => a.localeCompare(b, 'en'))).toEqual(KNOWN_ECOSYSTEMS);
  });
});

describe('schemeByName', () => {
  it.each([
    ['deb', deb],
    ['rpm', rpm],
    ['apk', apk],
    ['semver', semver],
    ['pep440', pep440],
  ] as const)('%s', (name, scheme) => {
    expect(schemeByName(name)).toBe(scheme);
    expect(scheme.name).toBe(name);
  });
});
