import { describe, expect, it } from 'vitest';
import { compareDeb, compareEvr } from '../../versioning/index.js';
import type { PatchCandidate } from '../baselines/approval.js';
import type { BaselineRules } from '../baselines/model.js';
import { approvedItems, installListFor } from './snapshot.js';

const NOW = new Date('2026-11-27T12:00:00Z');

const rules = (over: Partial<BaselineRules> = {}): BaselineRules => ({
  operatingSystem: 'DEBIAN',
  globalFilters: [],
  approvalRules: [{ filters: [{ key: 'SEVERITY', values: ['Critical', 'High'] }], complianceLevel: 'HIGH', approveAfterDays: 7, approveUndated: false, enableNonSecurity: false }],
  approvedPatches: [],
  approvedPatchesComplianceLevel: 'CRITICAL',
  approvedPatchesEnableNonSecurity: true,
  rejectedPatches: [],
  rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT',
  sources: [],
  ...over,
});

const c = (name: string, installedVersion: string, candidateVersion: string, over: Partial<PatchCandidate> = {}): PatchCandidate => ({
  name,
  arch: 'amd64',
  installedVersion,
  candidateVersion,
  security: true,
  classification: 'security',
  severity: 'high',
  section: 'libs',
  priority: 'optional',
  releaseDate: '2026-11-10T00:00:00Z',
  firstSeenAt: '2026-11-11T00:00:00Z',
  advisoryIds: [],
  cves: [],
  ...over,
});

const compareFor = (ecosystem: string) => (ecosystem.startsWith('Debian') ? compareDeb : compareEvr);

describe('approvedItems', () => {
  it('the highest approved version per (ecosystem, name, arch); unapproved candidates left out', () => {
    const nodes = [
      { ecosystem: 'Debian:12', products: ['Debian12', 'Debian'], candidates: [c('openssl', '3.0.13-1~deb12u1', '3.0.15-1~deb12u1', { cves: ['CVE-2026-41996'] }), c('curl', '7.88.1-10+deb12u7', '7.88.1-10+deb12u8', { severity: 'low' })] },
      { ecosystem: 'Debian:12', products: ['Debian12', 'Debian'], candidates: [c('openssl', '3.0.14-1~deb12u2', '3.0.15-1~deb12u2'), c('openssl', '3.0.14-1~deb12u2', '3.0.9-1', { arch: 'i386' })] },
      { ecosystem: 'Debian:12', products: ['Debian12', 'Debian'], candidates: [c('openssl', '3.0.14-1~deb12u2', '3.0.15-1~deb12u1')] },
      // Released yesterday: still waiting for the 7-day delay.
      { ecosystem: 'Debian:12', products: ['Debian12', 'Debian'], candidates: [c('openssl', '3.0.15-1~deb12u2', '3.0.15-1~deb12u3', { releaseDate: '2026-11-26T00:00:00Z' })] },
      { ecosystem: 'Rocky Linux:9', products: ['RockyLinux9.4', 'RockyLinux9', 'RockyLinux'], candidates: [c('openssl', '1:3.0.7-27.el9', '1:3.0.7-28.el9_4', { arch: 'x86_64' }), c('openssl', '1:3.0.7-27.el9', '1:3.0.7-9.el9', { arch: 'x86_64' })] },
    ];
    const items = approvedItems(rules(), nodes, NOW, compareFor);
    expect(items.map((i) => [i.ecosystem, i.name, i.arch, i.version, i.complianceLevel])).toEqual([
      ['Debian:12', 'openssl', 'amd64', '3.0.15-1~deb12u2', 'HIGH'],
      ['Debian:12', 'openssl', 'i386', '3.0.9-1', 'HIGH'],
      ['Rocky Linux:9', 'openssl', 'x86_64', '1:3.0.7-28.el9_4', 'HIGH'],
    ]);
    expect(items[0]).toMatchObject({ severity: 'high', classification: 'security', security: true, releaseDate: '2026-11-10T00:00:00Z' });
  });

  it('the approved list and levels', () => {
    const nodes = [{ ecosystem: 'Debian:12', products: ['Debian12'], candidates: [c('curl', '7.88.1-10+deb12u7', '7.88.1-10+deb12u8', { severity: 'low', security: false })] }];
    expect(approvedItems(rules(), nodes, NOW, compareFor)).toEqual([]);
    expect(approvedItems(rules({ approvedPatches: ['curl'] }), nodes, NOW, compareFor)).toMatchObject([{ name: 'curl', version: '7.88.1-10+deb12u8', complianceLevel: 'CRITICAL', security: false }]);
  });
});

describe('installListFor', () => {
  const items = [
    { name: 'openssl', arch: 'amd64', version: '3.0.15-1~deb12u2' },
    { name: 'libssl3', arch: 'amd64', version: '3.0.15-1~deb12u2' },
    { name: 'curl', arch: 'amd64', version: '7.88.1-10+deb12u8' },
    { name: 'nginx', arch: 'amd64', version: '1.22.1-9+deb12u1' },
  ];
  it('installs items whose package is installed at a lower version only', () => {
    const installed = [
      { name: 'openssl', arch: 'amd64', version: '3.0.14-1~deb12u2' },
      { name: 'libssl3', arch: 'amd64', version: '3.0.15-1~deb12u2' },
      { name: 'curl', arch: 'amd64', version: '7.88.1-10+deb12u9' },
      { name: 'nginx', arch: 'arm64', version: '1.22.1-9' },
    ];
    expect(installListFor(items, installed, compareDeb)).toEqual([{ name: 'openssl', arch: 'amd64', version: '3.0.15-1~deb12u2' }]);
  });
  it('tilde versions sort before their release', () => {
    expect(installListFor([{ name: 'openssl', arch: 'amd64', version: '3.0.15-1' }], [{ name: 'openssl', arch: 'amd64', version: '3.0.15-1~deb12u1' }], compareDeb)).toHaveLength(1);
  });
});
