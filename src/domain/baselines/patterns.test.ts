import { describe, expect, it } from 'vitest';
import { matchesPackage, matchesUpdate, parsePatchPattern, parsePatchPatterns, type PatchPattern } from './patterns.js';

const parsed = (text: string): PatchPattern => {
  const r = parsePatchPattern(text);
  if ('error' in r) throw new Error(r.error);
  return r.pattern;
};

describe('parsePatchPattern grammar', () => {
  const table: [string, Record<string, unknown>][] = [
    ['openssl', { kind: 'package', name: 'openssl', arch: null, version: null }],
    ['lib*', { kind: 'package', name: 'lib*', arch: null, version: null }],
    ['openssl:amd64', { kind: 'package', name: 'openssl', arch: 'amd64', version: null }],
    ['openssl=3.0.15-1~deb12u1', { kind: 'package', name: 'openssl', arch: null, version: '3.0.15-1~deb12u1' }],
    ['openssl:amd64=3.0.*', { kind: 'package', name: 'openssl', arch: 'amd64', version: '3.0.*' }],
    ['kernel:x86_64=5.14.0-427.*.el9_4', { kind: 'package', name: 'kernel', arch: 'x86_64', version: '5.14.0-427.*.el9_4' }],
    ['openssl=1:3.0.7-27.el9', { kind: 'package', name: 'openssl', arch: null, version: '1:3.0.7-27.el9' }],
    ['libstdc++6', { kind: 'package', name: 'libstdc++6', arch: null, version: null }],
    ['NetworkManager', { kind: 'package', name: 'NetworkManager', arch: null, version: null }],
    ['CVE-2024-1234', { kind: 'cve', id: 'CVE-2024-1234' }],
    ['cve-2024-12345', { kind: 'cve', id: 'CVE-2024-12345' }],
    ['DSA-5678-1', { kind: 'advisory', id: 'DSA-5678-1' }],
    ['DLA-3901-1', { kind: 'advisory', id: 'DLA-3901-1' }],
    ['USN-6987-1', { kind: 'advisory', id: 'USN-6987-1' }],
    ['RHSA-2024:1234', { kind: 'advisory', id: 'RHSA-2024:1234' }],
    ['RLSA-2024:5678', { kind: 'advisory', id: 'RLSA-2024:5678' }],
    ['ALSA-2024:9012', { kind: 'advisory', id: 'ALSA-2024:9012' }],
    ['ELSA-2024:3456', { kind: 'advisory', id: 'ELSA-2024:3456' }],
    ['ALAS2023-2024-567', { kind: 'advisory', id: 'ALAS2023-2024-567' }],
    ['ALAS-2018-123', { kind: 'advisory', id: 'ALAS-2018-123' }],
    ['FEDORA-2024-1a2b3c4d5e', { kind: 'advisory', id: 'FEDORA-2024-1A2B3C4D5E' }],
    ['GHSA-xvch-5gv4-984h', { kind: 'advisory', id: 'GHSA-XVCH-5GV4-984H' }],
  ];
  it.each(table)('%s', (text, want) => {
    expect(parsed(text)).toEqual({ ...want, text });
  });

  const errors: [string, string][] = [
    ['', 'empty pattern'],
    [' openssl', 'leading or trailing spaces'],
    ['x=', "empty version after '='"],
    ['=1.0', 'empty package name'],
    [':amd64', 'empty package name'],
    ['openssl:', "empty architecture after ':'"],
    ['openssl:amd64:1.0', 'is not an architecture name'],
    ['open ssl', 'has characters package names cannot have'],
    ['openssl=1.0 2', 'has characters a deb or rpm version cannot have'],
    ['*', 'matches every package'],
    ['CVE-24-1', 'malformed CVE id'],
  ];
  it.each(errors)('error: %j', (text, message) => {
    const r = parsePatchPattern(text);
    expect('error' in r && r.error).toContain(message);
  });

  it('list errors carry the path and the entry', () => {
    const r = parsePatchPatterns('approvedPatches', ['openssl', 'lib*', 'curl', 'x=']);
    expect(r.errors).toEqual([{ path: 'approvedPatches[3]', message: expect.stringContaining(`approvedPatches[3] "x=": empty version after '='`) as string }]);
    expect(r.patterns).toHaveLength(3);
  });

  it('rejected lists refuse CVE and advisory ids', () => {
    const r = parsePatchPatterns('rejectedPatches', ['CVE-2024-1234', 'RHSA-2024:1234', 'demo-*']);
    expect(r.errors.map((e) => e.path)).toEqual(['rejectedPatches[0]', 'rejectedPatches[1]']);
    expect(r.errors[0]!.message).toContain('CVE ids cannot be rejected');
    expect(r.errors[1]!.message).toContain('advisory ids cannot be rejected');
  });
});

describe('matchesPackage', () => {
  const pkg = (name: string, arch: string, version: string) => ({ name, arch, version });
  const table: [string, ReturnType<typeof pkg>, boolean][] = [
    ['openssl', pkg('openssl', 'amd64', '3.0.15-1~deb12u1'), true],
    ['openssl', pkg('openssl-dev', 'amd64', '3.0.15-1~deb12u1'), false],
    ['openssl', pkg('OpenSSL', 'amd64', '3.0.15-1~deb12u1'), false],
    ['lib*', pkg('libssl3', 'amd64', '3.0.15-1~deb12u1'), true],
    ['lib*', pkg('openssl', 'amd64', '3.0.15-1~deb12u1'), false],
    ['*ssl*', pkg('libssl3', 'amd64', '3.0.15-1~deb12u1'), true],
    ['openssl:amd64', pkg('openssl', 'amd64', '3.0.15-1~deb12u1'), true],
    ['openssl:amd64', pkg('openssl', 'arm64', '3.0.15-1~deb12u1'), false],
    ['openssl=3.0.15-1~deb12u1', pkg('openssl', 'amd64', '3.0.15-1~deb12u1'), true],
    ['openssl=3.0.15-1~deb12u1', pkg('openssl', 'amd64', '3.0.15-1~deb12u2'), false],
    ['openssl:amd64=3.0.*', pkg('openssl', 'amd64', '3.0.14-1~deb12u2'), true],
    ['openssl:amd64=3.0.*', pkg('openssl', 'amd64', '3.1.0-1'), false],
    ['openssl=3.0.7-*', pkg('openssl', 'x86_64', '1:3.0.7-27.el9'), true],
    ['openssl=1:3.0.7-*', pkg('openssl', 'x86_64', '1:3.0.7-27.el9'), true],
    ['openssl=2:3.0.7-*', pkg('openssl', 'x86_64', '1:3.0.7-27.el9'), false],
    ['kernel:x86_64=5.14.0-427.*', pkg('kernel', 'x86_64', '5.14.0-427.42.1.el9_4'), true],
    ['a.b', pkg('axb', 'amd64', '1'), false],
    ['CVE-2024-1234', pkg('CVE-2024-1234', 'amd64', '1'), false],
  ];
  it.each(table)('%s ~ %j → %s', (text, p, want) => {
    expect(matchesPackage(parsed(text), p)).toBe(want);
  });

  it('matchesUpdate compares ids case-insensitively', () => {
    const u = { cves: ['CVE-2024-1234'], advisoryIds: ['rhsa-2024:1234'] };
    expect(matchesUpdate(parsed('cve-2024-1234'), u)).toBe(true);
    expect(matchesUpdate(parsed('RHSA-2024:1234'), u)).toBe(true);
    expect(matchesUpdate(parsed('CVE-2024-9999'), u)).toBe(false);
    expect(matchesUpdate(parsed('openssl'), u)).toBe(false);
  });
});
