import { describe, expect, it } from 'vitest';
import { compareDeb, compareEvr } from '../../versioning/index.js';
import type { PatchCandidate } from '../baselines/approval.js';
import type { ApprovalRule, BaselineRules } from '../baselines/model.js';
import { dueAtOf, evaluateNode, slaKeyOf } from './evaluate.js';
import type { InstallFacts, InstalledPackageFact, NodeEvaluationInput, PatchStateRecord, PriorPatchState } from './model.js';

const NOW = new Date('2026-11-27T12:00:00Z');

const rule = (over: Partial<ApprovalRule> = {}): ApprovalRule => ({ filters: [], complianceLevel: 'HIGH', approveAfterDays: 0, approveUndated: false, enableNonSecurity: false, ...over });
const rules = (over: Partial<BaselineRules> = {}): BaselineRules => ({
  operatingSystem: 'DEBIAN',
  globalFilters: [{ key: 'PRODUCT', values: ['*'] }],
  approvalRules: [rule()],
  approvedPatches: [],
  approvedPatchesComplianceLevel: 'MEDIUM',
  approvedPatchesEnableNonSecurity: false,
  rejectedPatches: [],
  rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT',
  sources: [],
  ...over,
});

const openssl = (over: Partial<PatchCandidate> = {}): PatchCandidate => ({
  name: 'openssl',
  arch: 'amd64',
  installedVersion: '3.0.14-1~deb12u2',
  candidateVersion: '3.0.15-1~deb12u1',
  security: true,
  classification: 'security',
  severity: 'high',
  section: 'utils',
  priority: 'optional',
  releaseDate: '2026-11-20T08:00:00Z',
  firstSeenAt: '2026-11-21T06:00:00Z',
  advisoryIds: ['DSA-5801-1'],
  cves: ['CVE-2026-41996'],
  ...over,
});

const curl = (over: Partial<PatchCandidate> = {}): PatchCandidate => ({
  ...openssl(),
  name: 'curl',
  installedVersion: '7.88.1-10+deb12u7',
  candidateVersion: '7.88.1-10+deb12u8',
  severity: 'medium',
  advisoryIds: ['DSA-5810-1'],
  cves: ['CVE-2026-9681'],
  ...over,
});

const tzdata = (over: Partial<PatchCandidate> = {}): PatchCandidate => ({
  ...openssl(),
  name: 'tzdata',
  arch: 'all',
  installedVersion: '2024a-0+deb12u1',
  candidateVersion: '2024b-0+deb12u1',
  security: false,
  classification: 'other',
  severity: 'unknown',
  advisoryIds: [],
  cves: [],
  ...over,
});

const installedOf = (updates: PatchCandidate[], extra: InstalledPackageFact[] = []): InstalledPackageFact[] => [
  ...updates.map((u) => ({ name: u.name, arch: u.arch, version: u.installedVersion })),
  ...extra,
];

const input = (over: Partial<NodeEvaluationInput> = {}): NodeEvaluationInput => {
  const updates = over.updates ?? [openssl()];
  return {
    rules: rules(),
    products: ['Debian12', 'Debian'],
    now: NOW,
    updates,
    installed: installedOf(updates),
    installedCount: 400,
    prior: [],
    rebootRequired: false,
    sla: { critical: 3, high: 7, medium: 30, low: 90 },
    compareVersions: compareDeb,
    ...over,
  };
};

/** A prior state from a record of an earlier evaluation. */
const priorOf = (r: PatchStateRecord): PriorPatchState => ({
  name: r.name,
  arch: r.arch,
  state: r.state,
  approvedVersion: r.approvedVersion,
  approvedAt: r.approvedAt,
  complianceLevel: r.complianceLevel,
  severity: r.severity,
  classification: r.classification,
  security: r.security,
  cves: r.cves,
  advisoryIds: r.advisoryIds,
  failedAt: r.failedAt,
  failureMessage: r.failureMessage,
  pendingRebootSince: r.pendingRebootSince,
});

const stateOf = (result: ReturnType<typeof evaluateNode>, name: string) => result.states.find((s) => s.name === name);

const install = (over: Partial<InstallFacts> & Pick<InstallFacts, 'outcomes'>): InstallFacts => ({ at: '2026-11-27T11:00:00Z', rebootOption: 'RebootIfNeeded', overrideList: false, ...over });

describe('evaluateNode: pending updates', () => {
  it('an approved update is MISSING and the node NON_COMPLIANT', () => {
    const r = evaluateNode(input({ updates: [openssl(), tzdata()] }));
    expect(r.status).toBe('NON_COMPLIANT');
    expect(r.complianceLevel).toBe('HIGH');
    expect(r.severity).toBe('high');
    expect(r.states).toHaveLength(1);
    expect(r.states[0]).toMatchObject({
      name: 'openssl',
      state: 'MISSING',
      installedVersion: '3.0.14-1~deb12u2',
      candidateVersion: '3.0.15-1~deb12u1',
      approvedVersion: '3.0.15-1~deb12u1',
      approvedAt: '2026-11-21T06:00:00.000Z',
      complianceLevel: 'HIGH',
      cves: ['CVE-2026-41996'],
      advisoryIds: ['DSA-5801-1'],
      releaseDate: '2026-11-20T08:00:00Z',
      dueAt: '2026-11-28T06:00:00.000Z',
      overdue: false,
    });
    expect(r.counts).toMatchObject({ MISSING: 1, INSTALLED_OTHER: 399, INSTALLED: 0 });
    expect(r.nextDueAt).toBe('2026-11-28T06:00:00.000Z');
  });

  it('a security update not approved yet is AVAILABLE_SECURITY_UPDATE, compliant by default', () => {
    const waiting = rules({ approvalRules: [rule({ approveAfterDays: 14 })] });
    const r = evaluateNode(input({ rules: waiting }));
    expect(r.status).toBe('COMPLIANT');
    expect(r.complianceLevel).toBeNull();
    expect(r.severity).toBeNull();
    expect(r.states[0]).toMatchObject({ state: 'AVAILABLE_SECURITY_UPDATE', approvedVersion: null, dueAt: null });
    expect(r.states[0]!.reason).toContain('approved from 2026-12-04T00:00:00.000Z');
    expect(r.counts.AVAILABLE_SECURITY_UPDATE).toBe(1);
    expect(r.counts.INSTALLED_OTHER).toBe(399);
  });

  it('AVAILABLE_SECURITY_UPDATE makes the node NON_COMPLIANT when the baseline says so', () => {
    const r = evaluateNode(input({ rules: rules({ approvalRules: [rule({ approveAfterDays: 14 })], availableSecurityUpdatesComplianceStatus: 'NON_COMPLIANT' }) }));
    expect(r).toMatchObject({ status: 'NON_COMPLIANT', complianceLevel: 'INFORMATIONAL', severity: 'high', securityNonCompliant: 1, nextDueAt: null });
  });

  it('a non-security update not approved is only counted', () => {
    const r = evaluateNode(input({ updates: [tzdata()], installedCount: 10 }));
    expect(r).toMatchObject({ status: 'COMPLIANT', states: [] });
    expect(r.counts.INSTALLED_OTHER).toBe(10);
  });

  it('the SLA clock does not restart while the approved version stays the same', () => {
    const first = evaluateNode(input());
    const later = evaluateNode(input({ now: new Date('2026-12-01T00:00:00Z'), prior: first.states.map(priorOf), updates: [openssl({ firstSeenAt: '2026-11-30T00:00:00Z' })] }));
    expect(stateOf(later, 'openssl')).toMatchObject({ state: 'MISSING', approvedAt: '2026-11-21T06:00:00.000Z', dueAt: '2026-11-28T06:00:00.000Z', overdue: true });
    expect(later.overdue).toBe(1);
    const newer = evaluateNode(
      input({ now: new Date('2026-12-01T00:00:00Z'), prior: first.states.map(priorOf), updates: [openssl({ candidateVersion: '3.0.15-1~deb12u2', firstSeenAt: '2026-11-30T00:00:00Z' })] }),
    );
    expect(stateOf(newer, 'openssl')).toMatchObject({ approvedVersion: '3.0.15-1~deb12u2', approvedAt: '2026-11-30T00:00:00.000Z', overdue: false });
  });
});

describe('evaluateNode: Install, FAILED and reboot', () => {
  it('a failed install is FAILED, sticky until installed', () => {
    const failed = evaluateNode(
      input({ install: install({ outcomes: [{ name: 'openssl', arch: 'amd64', requestedVersion: '3.0.15-1~deb12u1', installedVersion: null, state: 'failed', message: 'dpkg: error processing package openssl' }] }) }),
    );
    expect(stateOf(failed, 'openssl')).toMatchObject({ state: 'FAILED', failedAt: '2026-11-27T11:00:00Z', failureMessage: 'dpkg: error processing package openssl' });
    expect(failed.status).toBe('NON_COMPLIANT');
    expect(failed.counts.FAILED).toBe(1);

    const scan = evaluateNode(input({ prior: failed.states.map(priorOf) }));
    expect(stateOf(scan, 'openssl')).toMatchObject({ state: 'FAILED', failedAt: '2026-11-27T11:00:00Z', failureMessage: 'dpkg: error processing package openssl' });

    const newerCandidate = evaluateNode(input({ prior: failed.states.map(priorOf), updates: [openssl({ candidateVersion: '3.0.15-1~deb12u2' })] }));
    expect(stateOf(newerCandidate, 'openssl')).toMatchObject({ state: 'MISSING', failedAt: null });

    const fixed = evaluateNode(input({ prior: failed.states.map(priorOf), updates: [], installed: [{ name: 'openssl', arch: 'amd64', version: '3.0.15-1~deb12u1' }] }));
    expect(stateOf(fixed, 'openssl')).toMatchObject({ state: 'INSTALLED', failedAt: null, approvedAt: '2026-11-21T06:00:00.000Z' });
    expect(fixed.status).toBe('COMPLIANT');
  });

  it.each(['not-available', 'not-attempted'])('outcome %s is FAILED with a message', (state) => {
    const r = evaluateNode(input({ install: install({ outcomes: [{ name: 'openssl', arch: 'amd64', requestedVersion: '3.0.15-1~deb12u1', installedVersion: null, state }] }) }));
    expect(stateOf(r, 'openssl')?.state).toBe('FAILED');
    expect(stateOf(r, 'openssl')?.failureMessage).toContain('Install at 2026-11-27T11:00:00Z');
  });

  it('an installed outcome while the update is still pending stays MISSING', () => {
    const r = evaluateNode(input({ install: install({ outcomes: [{ name: 'openssl', arch: 'amd64', requestedVersion: '3.0.15-1~deb12u1', installedVersion: '3.0.15-1~deb12u1', state: 'installed' }] }) }));
    expect(stateOf(r, 'openssl')?.state).toBe('MISSING');
  });

  it('NoReboot with a reboot signal is INSTALLED_PENDING_REBOOT, then INSTALLED after the reboot', () => {
    const scan = evaluateNode(input());
    const done = [{ name: 'openssl', arch: 'amd64', version: '3.0.15-1~deb12u1' }];
    const outcome = { name: 'openssl', arch: 'amd64', requestedVersion: '3.0.15-1~deb12u1', installedVersion: '3.0.15-1~deb12u1', state: 'installed' };
    const installed = evaluateNode(input({ updates: [], installed: done, prior: scan.states.map(priorOf), rebootRequired: true, install: install({ rebootOption: 'NoReboot', outcomes: [outcome] }) }));
    expect(stateOf(installed, 'openssl')).toMatchObject({
      state: 'INSTALLED_PENDING_REBOOT',
      approvedVersion: '3.0.15-1~deb12u1',
      approvedAt: '2026-11-21T06:00:00.000Z',
      pendingRebootSince: '2026-11-27T11:00:00Z',
      complianceLevel: 'HIGH',
      cves: ['CVE-2026-41996'],
      dueAt: '2026-11-28T06:00:00.000Z',
    });
    expect(installed).toMatchObject({ status: 'NON_COMPLIANT', complianceLevel: 'HIGH' });
    expect(installed.counts).toMatchObject({ INSTALLED_PENDING_REBOOT: 1, MISSING: 0 });

    const stillPending = evaluateNode(input({ updates: [], installed: done, prior: installed.states.map(priorOf), rebootRequired: true }));
    expect(stateOf(stillPending, 'openssl')?.state).toBe('INSTALLED_PENDING_REBOOT');

    const rebooted = evaluateNode(input({ updates: [], installed: done, prior: stillPending.states.map(priorOf), rebootRequired: false }));
    expect(stateOf(rebooted, 'openssl')).toMatchObject({ state: 'INSTALLED', pendingRebootSince: null, dueAt: null });
    expect(rebooted.status).toBe('COMPLIANT');
    expect(evaluateNode(input({ updates: [], installed: done, prior: rebooted.states.map(priorOf), rebootRequired: true })).states[0]?.state).toBe('INSTALLED');
  });

  it.each([
    ['RebootIfNeeded', true, 'INSTALLED'],
    ['NoReboot', false, 'INSTALLED'],
    ['NoReboot', true, 'INSTALLED_PENDING_REBOOT'],
  ] as const)('rebootOption %s, reboot required %s → %s', (rebootOption, rebootRequired, state) => {
    const outcome = { name: 'openssl', arch: 'amd64', requestedVersion: '3.0.15-1~deb12u1', installedVersion: '3.0.15-1~deb12u1', state: 'installed' };
    const r = evaluateNode(input({ updates: [], installed: [{ name: 'openssl', arch: 'amd64', version: '3.0.15-1~deb12u1' }], rebootRequired, install: install({ rebootOption, outcomes: [outcome] }) }));
    expect(stateOf(r, 'openssl')?.state).toBe(state);
  });

  it('an install from an override list is INSTALLED_OTHER', () => {
    const outcome = { name: 'htop', arch: 'amd64', requestedVersion: '3.2.2-2', installedVersion: '3.2.2-2', state: 'installed' };
    const r = evaluateNode(input({ updates: [], installed: [{ name: 'htop', arch: 'amd64', version: '3.2.2-2' }], installedCount: 50, install: install({ overrideList: true, outcomes: [outcome] }) }));
    expect(r.states).toEqual([]);
    expect(r.counts.INSTALLED_OTHER).toBe(50);
  });

  it('already-installed from a snapshot Install is INSTALLED', () => {
    const outcome = { name: 'curl', arch: 'amd64', requestedVersion: '7.88.1-10+deb12u8', installedVersion: '7.88.1-10+deb12u8', state: 'already-installed' };
    const r = evaluateNode(input({ updates: [], installed: [{ name: 'curl', arch: 'amd64', version: '7.88.1-10+deb12u8' }], install: install({ outcomes: [outcome] }) }));
    expect(stateOf(r, 'curl')).toMatchObject({ state: 'INSTALLED', approvedVersion: '7.88.1-10+deb12u8', approvedAt: '2026-11-27T11:00:00Z' });
  });
});

describe('evaluateNode: installed packages', () => {
  const prior = (over: Partial<PriorPatchState>): PriorPatchState => ({
    name: 'openssl',
    arch: 'amd64',
    state: 'MISSING',
    approvedVersion: '3.0.15-1~deb12u1',
    approvedAt: '2026-11-21T06:00:00.000Z',
    complianceLevel: 'HIGH',
    severity: 'high',
    classification: 'security',
    security: true,
    cves: ['CVE-2026-41996'],
    advisoryIds: ['DSA-5801-1'],
    failedAt: null,
    failureMessage: null,
    pendingRebootSince: null,
    ...over,
  });
  // [name, installed version, prior, expected state or null (counted as INSTALLED_OTHER)]
  const table: [string, string, PriorPatchState | undefined, string | null][] = [
    ['at the approved version', '3.0.15-1~deb12u1', prior({}), 'INSTALLED'],
    ['above the approved version', '3.0.16-1~deb12u1', prior({}), 'INSTALLED'],
    ['below the approved version, no update', '3.0.14-1~deb12u2', prior({}), null],
    ['no prior', '3.0.15-1~deb12u1', undefined, null],
    ['prior without approval', '3.0.15-1~deb12u1', prior({ approvedVersion: null, state: 'AVAILABLE_SECURITY_UPDATE' }), null],
  ];
  it.each(table)('%s', (_name, version, p, state) => {
    const r = evaluateNode(input({ updates: [], installed: [{ name: 'openssl', arch: 'amd64', version }], prior: p === undefined ? [] : [p], installedCount: 20 }));
    expect(stateOf(r, 'openssl')?.state ?? null).toBe(state);
    expect(r.counts.INSTALLED_OTHER).toBe(state === null ? 20 : 19);
  });

  it('rpm versions compare with epochs', () => {
    const p = prior({ arch: 'x86_64', approvedVersion: '1:3.0.7-27.el9' });
    const r = evaluateNode(input({ compareVersions: compareEvr, updates: [], installed: [{ name: 'openssl', arch: 'x86_64', version: '1:3.0.7-28.el9_4' }], prior: [p] }));
    expect(stateOf(r, 'openssl')?.state).toBe('INSTALLED');
  });

  it('an installed package on the approved list with no update is INSTALLED', () => {
    const r = evaluateNode(input({ rules: rules({ approvedPatches: ['lib*'] }), updates: [], installed: [{ name: 'libssl3', arch: 'amd64', version: '3.0.15-1~deb12u1' }] }));
    expect(stateOf(r, 'libssl3')).toMatchObject({ state: 'INSTALLED', complianceLevel: 'MEDIUM', approvedVersion: '3.0.15-1~deb12u1' });
  });
});

describe('evaluateNode: rejected packages', () => {
  const demo = { name: 'demo-agent', arch: 'amd64', version: '2.1.0-1' };
  it.each([
    ['BLOCK', 'INSTALLED_REJECTED', 'NON_COMPLIANT'],
    ['ALLOW_AS_DEPENDENCY', null, 'COMPLIANT'],
  ] as const)('installed rejected package with %s', (action, state, status) => {
    const r = evaluateNode(input({ rules: rules({ rejectedPatches: ['demo-*'], rejectedPatchesAction: action }), updates: [], installed: [demo] }));
    expect(stateOf(r, 'demo-agent')?.state ?? null).toBe(state);
    expect(r.status).toBe(status);
    if (state !== null) expect(stateOf(r, 'demo-agent')?.reason).toContain('rejected list ("demo-*")');
  });

  it('a rejected update whose installed version matches is INSTALLED_REJECTED with BLOCK', () => {
    const r = evaluateNode(input({ rules: rules({ rejectedPatches: ['openssl'], rejectedPatchesAction: 'BLOCK' }) }));
    expect(stateOf(r, 'openssl')).toMatchObject({ state: 'INSTALLED_REJECTED', complianceLevel: 'UNSPECIFIED' });
    expect(r).toMatchObject({ status: 'NON_COMPLIANT', complianceLevel: 'INFORMATIONAL', severity: 'high' });
  });

  it('a rejected candidate version over an accepted installed version is only counted', () => {
    const r = evaluateNode(input({ rules: rules({ rejectedPatches: ['openssl=3.0.15-*'], rejectedPatchesAction: 'BLOCK' }), installedCount: 5 }));
    expect(r.states).toEqual([]);
    expect(r.counts.INSTALLED_OTHER).toBe(5);
  });

  it('rejected wins over the approved list', () => {
    const r = evaluateNode(input({ rules: rules({ approvedPatches: ['openssl'], rejectedPatches: ['openssl'], rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY' }) }));
    expect(r.states).toEqual([]);
  });
});

describe('evaluateNode: NOT_APPLICABLE', () => {
  it('an approved package no longer installed, and exact approved names not installed', () => {
    const prior: PriorPatchState = {
      name: 'telnet',
      arch: 'amd64',
      state: 'MISSING',
      approvedVersion: '0.17+2.4-2+deb12u1',
      approvedAt: '2026-11-01T00:00:00.000Z',
      complianceLevel: 'LOW',
      severity: 'low',
      classification: 'security',
      security: true,
      cves: [],
      advisoryIds: [],
      failedAt: null,
      failureMessage: null,
      pendingRebootSince: null,
    };
    const r = evaluateNode(input({ rules: rules({ approvedPatches: ['nginx', 'openssl', 'lib*', 'postgresql-15:arm64'] }), prior: [prior] }));
    expect(r.states.filter((s) => s.state === 'NOT_APPLICABLE').map((s) => [s.name, s.arch])).toEqual([
      ['nginx', ''],
      ['postgresql-15', 'arm64'],
      ['telnet', 'amd64'],
    ]);
    expect(r.counts.NOT_APPLICABLE).toBe(3);
    expect(r.counts.INSTALLED_OTHER).toBe(399);
    expect(r.status).toBe('NON_COMPLIANT'); // openssl is MISSING
  });
});

describe('evaluateNode: levels, buckets and SLA', () => {
  it('buckets and the highest level and severity among non-compliant patches', () => {
    const r = evaluateNode(
      input({
        rules: rules({
          approvalRules: [rule({ complianceLevel: 'LOW', enableNonSecurity: true }), rule({ complianceLevel: 'CRITICAL', filters: [{ key: 'SEVERITY', values: ['Critical'] }] })],
        }),
        updates: [openssl({ severity: 'critical' }), curl(), tzdata()],
      }),
    );
    expect(r.states.map((s) => [s.name, s.state, s.complianceLevel])).toEqual([
      ['curl', 'MISSING', 'LOW'],
      ['openssl', 'MISSING', 'CRITICAL'],
      ['tzdata', 'MISSING', 'LOW'],
    ]);
    expect(r).toMatchObject({ complianceLevel: 'CRITICAL', severity: 'critical', criticalNonCompliant: 1, securityNonCompliant: 2, otherNonCompliant: 1 });
  });

  it('UNSPECIFIED levels make an INFORMATIONAL node', () => {
    const r = evaluateNode(input({ rules: rules({ approvalRules: [rule({ complianceLevel: 'UNSPECIFIED' })] }) }));
    expect(r.complianceLevel).toBe('INFORMATIONAL');
  });

  it.each([
    ['high', 'UNSPECIFIED', 'high'],
    ['Important', 'LOW', 'high'],
    ['unknown', 'CRITICAL', 'critical'],
    ['none', 'MEDIUM', 'medium'],
    ['unknown', 'INFORMATIONAL', 'unknown'],
    ['none', 'UNSPECIFIED', 'none'],
  ] as const)('slaKeyOf(%s, %s) = %s', (severity, level, key) => expect(slaKeyOf(severity, level)).toBe(key));

  it('dueAtOf', () => {
    expect(dueAtOf('2026-11-21T06:00:00.000Z', 'critical', 'UNSPECIFIED', { critical: 3 })).toBe('2026-11-24T06:00:00.000Z');
    expect(dueAtOf('2026-11-21T06:00:00.000Z', 'low', 'UNSPECIFIED', { critical: 3 })).toBeNull();
    expect(dueAtOf(null, 'critical', 'UNSPECIFIED', { critical: 3 })).toBeNull();
  });

  it('overdue patches, nextDueAt over non-compliant patches', () => {
    const r = evaluateNode(
      input({
        updates: [openssl({ severity: 'unknown', firstSeenAt: '2026-11-01T00:00:00Z', releaseDate: null }), curl({ firstSeenAt: '2026-11-26T00:00:00Z' })],
        rules: rules({ approvalRules: [rule({ complianceLevel: 'CRITICAL', filters: [{ key: 'PRODUCT', values: ['Debian12'] }] })] }),
      }),
    );
    expect(stateOf(r, 'openssl')).toMatchObject({ dueAt: '2026-11-04T00:00:00.000Z', overdue: true }); // CRITICAL → critical: 3 days
    expect(stateOf(r, 'curl')).toMatchObject({ dueAt: '2026-12-26T00:00:00.000Z', overdue: false }); // medium: 30 days
    expect(r.overdue).toBe(1);
    expect(r.nextDueAt).toBe('2026-11-04T00:00:00.000Z');
  });

  it('no SLA configured: no due dates', () => {
    const r = evaluateNode(input({ sla: {} }));
    expect(r.states[0]).toMatchObject({ dueAt: null, overdue: false });
    expect(r.nextDueAt).toBeNull();
  });
});
