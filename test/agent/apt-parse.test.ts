import { describe, expect, it } from 'vitest';
import { cvesSince, parseChangelog } from '../../src/agent/package-managers/apt/apt-changelog.js';
import { isSecurityOrigin, pickOrigin, resolveInstOrigin } from '../../src/agent/package-managers/apt/apt-origins.js';
import { parsePackagePolicies, parsePolicySources, parseSimulation } from '../../src/agent/package-managers/apt/apt-parse.js';
import { parseReleaseHeader } from '../../src/agent/package-managers/apt/apt-release-files.js';
import { DEMO_CHANGELOG } from '../helpers/apt-root.js';

// Output captured on a Debian 12 host (apt 2.6.1, LANG=C).
const SIMULATION = `Reading package lists...
Building dependency tree...
Calculating upgrade...
The following packages have been kept back:
  demo-held libfoo:i386
The following upgrades have been deferred due to phasing:
  libphased
The following packages will be upgraded:
  base-files libgcrypt20-dev openssl
Inst base-files [12.4+deb12u11] (12.4+deb12u15 Debian:12.15/oldstable [amd64])
Inst libgcrypt20-dev [1.10.1-3] (1.10.1-3+deb12u1 Debian:12.15/oldstable, Debian-Security:12/oldstable-security [amd64]) []
Inst libc6:i386 [2.36-9+deb12u9] (2.36-9+deb12u10 Debian:12.15/oldstable [i386])
Inst newdep (1.0-1 Demo:bookworm [all])
Remv demo-plugin [1.0-1]
Conf base-files (12.4+deb12u15 Debian:12.15/oldstable [amd64])
`;

const POLICY = `Package files:
 100 /var/lib/dpkg/status
     release a=now
 500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
     release v=12,o=Debian,a=oldstable-security,n=bookworm-security,l=Debian-Security,c=main,b=amd64
     origin deb.debian.org
 500 http://deb.debian.org/debian bookworm/main amd64 Packages
     release v=12.15,o=Debian,a=oldstable,n=bookworm,l=Debian,c=main,b=amd64
     origin deb.debian.org
 500 file:/srv/repo bookworm/main amd64 Packages
     release o=Demo,a=bookworm,n=bookworm,l=Demo,c=main,b=amd64
Pinned packages:
`;

describe('apt output parsers', () => {
  it('parses Inst (with several origins, foreign arch, new packages), Remv and the kept-back list', () => {
    const sim = parseSimulation(SIMULATION);
    expect(sim.keptBack).toEqual(['demo-held', 'libfoo:i386', 'libphased']);
    expect(sim.removals).toEqual(['demo-plugin']);
    expect(sim.installs).toHaveLength(4);
    expect(sim.installs[1]).toEqual({
      name: 'libgcrypt20-dev',
      qualifier: '',
      installedVersion: '1.10.1-3',
      candidateVersion: '1.10.1-3+deb12u1',
      arch: 'amd64',
      origins: [
        { label: 'Debian', version: '12.15', suite: 'oldstable' },
        { label: 'Debian-Security', version: '12', suite: 'oldstable-security' },
      ],
    });
    expect(sim.installs[2]).toMatchObject({ name: 'libc6', qualifier: 'i386', arch: 'i386' });
    expect(sim.installs[3]).toMatchObject({ name: 'newdep', installedVersion: null, origins: [{ label: 'Demo', version: '', suite: 'bookworm' }] });
  });

  it('resolves Inst origins through the policy release lines and classifies security by label/codename', () => {
    const sources = parsePolicySources(POLICY);
    expect(sources).toHaveLength(4);
    const sec = resolveInstOrigin({ label: 'Debian-Security', version: '12', suite: 'oldstable-security' }, sources);
    expect(sec).toEqual({ label: 'Debian-Security', suite: 'oldstable-security', codename: 'bookworm-security', origin: 'Debian', site: 'deb.debian.org' });
    const demo = resolveInstOrigin({ label: 'Demo', version: '', suite: 'bookworm' }, sources);
    expect(demo).toMatchObject({ origin: 'Demo', site: 'local' });
    const point = resolveInstOrigin({ label: 'Debian', version: '12.15', suite: 'oldstable' }, sources);
    expect(pickOrigin([point, sec])).toEqual({ origin: sec, security: true });
    expect(pickOrigin([point])).toEqual({ origin: point, security: false });
    expect(isSecurityOrigin({ label: 'Ubuntu', suite: 'jammy-security', codename: 'jammy' })).toBe(true);
    expect(isSecurityOrigin({ label: 'Ubuntu', suite: 'jammy-updates', codename: 'jammy' })).toBe(false);
    expect(isSecurityOrigin({ label: 'Debian', suite: 'oldstable-updates', codename: 'bookworm-updates' })).toBe(false);
  });

  it('parses apt-cache policy of packages', () => {
    const text = `openssl:
  Installed: 3.0.19-1~deb12u2
  Candidate: 3.0.22-1~deb12u2
  Version table:
     3.0.22-1~deb12u2 500
        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
 *** 3.0.19-1~deb12u2 100
        100 /var/lib/dpkg/status
demo-none:
  Installed: (none)
  Candidate: (none)
  Version table:
`;
    expect(parsePackagePolicies(text)).toEqual([
      {
        spec: 'openssl',
        installed: '3.0.19-1~deb12u2',
        candidate: '3.0.22-1~deb12u2',
        versions: [
          { version: '3.0.22-1~deb12u2', installed: false, sources: ['http://deb.debian.org/debian-security bookworm-security/main amd64 Packages'] },
          { version: '3.0.19-1~deb12u2', installed: true, sources: ['/var/lib/dpkg/status'] },
        ],
      },
      { spec: 'demo-none', installed: null, candidate: null, versions: [] },
    ]);
  });

  it('takes the CVE ids of changelog entries newer than the installed version only', () => {
    const entries = parseChangelog(DEMO_CHANGELOG);
    expect(entries.map((e) => e.version)).toEqual(['1.0-3', '1.0-2', '1.0-1']);
    expect(cvesSince(entries, '1.0-1', '1.0-3')).toEqual(['CVE-2026-1111', 'CVE-2026-2222', 'CVE-2026-33333']);
    expect(cvesSince(entries, '1.0-2', '1.0-3')).toEqual(['CVE-2026-1111']);
    expect(cvesSince(entries, '1.0-1', '1.0-2')).toEqual(['CVE-2026-2222', 'CVE-2026-33333']);
  });

  it('reads the release fields of an InRelease header', () => {
    const text = `-----BEGIN PGP SIGNED MESSAGE-----
Hash: SHA256

Origin: Debian
Label: Debian-Security
Suite: oldstable-security
Version: 12
Codename: bookworm-security
Date: Wed, 25 Nov 2026 22:33:12 UTC
Components: updates/main updates/contrib
SHA256:
 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855        0 Label: not-a-field
`;
    expect(parseReleaseHeader(text)).toEqual({ o: 'Debian', l: 'Debian-Security', a: 'oldstable-security', v: '12', n: 'bookworm-security' });
  });
});
