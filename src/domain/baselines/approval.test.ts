import { describe, expect, it } from 'vitest';
import { canonicalSeverity, evaluatePatch, filterMatches, type PatchCandidate } from './approval.js';
import type { ApprovalRule, BaselineRules, PatchFilter } from './model.js';
import { predefinedBaselineFor } from './predefined.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const DEBIAN = ['Debian12', 'Debian'];

const patch = (over: Partial<PatchCandidate> = {}): PatchCandidate => ({
  name: 'openssl',
  arch: 'amd64',
  installedVersion: '3.0.14-1~deb12u2',
  candidateVersion: '3.0.15-1~deb12u1',
  security: true,
  classification: 'security',
  severity: 'high',
  section: 'utils',
  priority: 'optional',
  releaseDate: '2026-11-10T08:00:00Z',
  firstSeenAt: '2026-11-11T09:30:00Z',
  advisoryIds: ['DSA-5678-1'],
  cves: ['CVE-2026-1234'],
  ...over,
});

const rule = (over: Partial<ApprovalRule> = {}): ApprovalRule => ({
  filters: [],
  complianceLevel: 'HIGH',
  approveAfterDays: 0,
  approveUndated: false,
  enableNonSecurity: false,
  ...over,
});

const rules = (over: Partial<BaselineRules> = {}): BaselineRules => ({
  operatingSystem: 'DEBIAN',
  globalFilters: [],
  approvalRules: [rule()],
  approvedPatches: [],
  approvedPatchesComplianceLevel: 'UNSPECIFIED',
  approvedPatchesEnableNonSecurity: false,
  rejectedPatches: [],
  rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT',
  sources: [],
  ...over,
});

const evaluate = (r: BaselineRules, p: PatchCandidate = patch(), now = NOW, products = DEBIAN) => evaluatePatch(r, p, { now, products });

describe('filterMatches', () => {
  const f = (key: PatchFilter['key'], ...values: string[]): PatchFilter => ({ key, values });
  // [filter, patch overrides, products, expected]
  const table: [string, PatchFilter, Partial<PatchCandidate>, string[], boolean][] = [
    ['PRODUCT exact', f('PRODUCT', 'Debian12'), {}, DEBIAN, true],
    ['PRODUCT family', f('PRODUCT', 'Debian'), {}, DEBIAN, true],
    ['PRODUCT case-insensitive', f('PRODUCT', 'debian12'), {}, DEBIAN, true],
    ['PRODUCT other release', f('PRODUCT', 'Debian11'), {}, DEBIAN, false],
    ['PRODUCT OR values', f('PRODUCT', 'Ubuntu22.04', 'Debian12'), {}, DEBIAN, true],
    ['PRODUCT * without products', f('PRODUCT', '*'), {}, [], true],
    ['PRODUCT RHEL minor', f('PRODUCT', 'RedhatEnterpriseLinux9'), {}, ['RedhatEnterpriseLinux9.4', 'RedhatEnterpriseLinux9', 'RedhatEnterpriseLinux'], true],
    ['CLASSIFICATION security', f('CLASSIFICATION', 'Security'), {}, DEBIAN, true],
    ['CLASSIFICATION other', f('CLASSIFICATION', 'Other'), { classification: 'other' }, DEBIAN, true],
    ['CLASSIFICATION bugfix vs security', f('CLASSIFICATION', 'Bugfix'), {}, DEBIAN, false],
    ['CLASSIFICATION * empty', f('CLASSIFICATION', '*'), { classification: '' }, DEBIAN, true],
    ['SEVERITY Important = high', f('SEVERITY', 'Important'), { severity: 'high' }, DEBIAN, true],
    ['SEVERITY High = Important', f('SEVERITY', 'High'), { severity: 'Important' }, DEBIAN, true],
    ['SEVERITY Moderate = medium', f('SEVERITY', 'Moderate'), { severity: 'medium' }, DEBIAN, true],
    ['SEVERITY Medium = Moderate', f('SEVERITY', 'Medium'), { severity: 'Moderate' }, DEBIAN, true],
    ['SEVERITY Critical', f('SEVERITY', 'CRITICAL'), { severity: 'critical' }, DEBIAN, true],
    ['SEVERITY Low', f('SEVERITY', 'low'), { severity: 'Low' }, DEBIAN, true],
    ['SEVERITY None', f('SEVERITY', 'None'), { severity: 'none' }, DEBIAN, true],
    ['SEVERITY Critical vs high', f('SEVERITY', 'Critical'), { severity: 'high' }, DEBIAN, false],
    ['SEVERITY unknown vs None', f('SEVERITY', 'None'), { severity: 'unknown' }, DEBIAN, false],
    ['SEVERITY unknown vs list', f('SEVERITY', 'Critical', 'High', 'Medium', 'Low'), { severity: 'unknown' }, DEBIAN, false],
    ['SEVERITY unknown vs *', f('SEVERITY', '*'), { severity: 'unknown' }, DEBIAN, true],
    ['SECTION exact', f('SECTION', 'utils'), {}, DEBIAN, true],
    ['SECTION tail after /', f('SECTION', 'net'), { section: 'non-free/net' }, DEBIAN, true],
    ['SECTION full with /', f('SECTION', 'non-free/net'), { section: 'non-free/net' }, DEBIAN, true],
    ['SECTION component only', f('SECTION', 'non-free'), { section: 'non-free/net' }, DEBIAN, false],
    ['SECTION other', f('SECTION', 'admin'), {}, DEBIAN, false],
    ['PRIORITY case-insensitive', f('PRIORITY', 'Optional'), {}, DEBIAN, true],
    ['PRIORITY OR', f('PRIORITY', 'Required', 'Important'), {}, DEBIAN, false],
    ['PRIORITY * empty', f('PRIORITY', '*'), { priority: '' }, DEBIAN, true],
    ['SECURITY true', f('SECURITY', 'true'), {}, DEBIAN, true],
    ['SECURITY TRUE case', f('SECURITY', 'TRUE'), {}, DEBIAN, true],
    ['SECURITY false vs security', f('SECURITY', 'false'), {}, DEBIAN, false],
    ['SECURITY false vs other', f('SECURITY', 'false'), { security: false }, DEBIAN, true],
  ];
  it.each(table)('%s', (_name, filter, over, products, expected) => {
    expect(filterMatches(filter, patch(over), products)).toBe(expected);
  });

  it.each([
    ['Critical', 'critical'],
    ['urgent', 'critical'],
    ['Important', 'high'],
    ['HIGH', 'high'],
    ['Moderate', 'medium'],
    ['negligible', 'low'],
    ['None', 'none'],
    ['', 'unknown'],
    ['whatever', 'unknown'],
  ])('canonicalSeverity(%s) = %s', (s, want) => expect(canonicalSeverity(s)).toBe(want));
});

describe('evaluatePatch: filters AND/OR and global filters', () => {
  const table: [string, BaselineRules, Partial<PatchCandidate>, boolean][] = [
    ['no filters: every security update', rules(), {}, true],
    [
      'AND across keys: both pass',
      rules({ approvalRules: [rule({ filters: [{ key: 'PRIORITY', values: ['optional'] }, { key: 'SEVERITY', values: ['High'] }] })] }),
      {},
      true,
    ],
    [
      'AND across keys: one fails',
      rules({ approvalRules: [rule({ filters: [{ key: 'PRIORITY', values: ['optional'] }, { key: 'SEVERITY', values: ['Critical'] }] })] }),
      {},
      false,
    ],
    ['OR across rules: second rule approves', rules({ approvalRules: [rule({ filters: [{ key: 'SEVERITY', values: ['Critical'] }] }), rule({ filters: [{ key: 'SECTION', values: ['utils'] }] })] }), {}, true],
    ['global filter passes', rules({ globalFilters: [{ key: 'PRODUCT', values: ['Debian12'] }] }), {}, true],
    ['global filter fails', rules({ globalFilters: [{ key: 'PRODUCT', values: ['Debian11'] }] }), {}, false],
    ['global filters AND: second fails', rules({ globalFilters: [{ key: 'PRODUCT', values: ['*'] }, { key: 'SECTION', values: ['admin'] }] }), {}, false],
    ['no rules, no list', rules({ approvalRules: [] }), {}, false],
  ];
  it.each(table)('%s', (_name, r, over, approved) => {
    expect(evaluate(r, patch(over)).approved).toBe(approved);
  });

  it('names the failing global filter', () => {
    const a = evaluate(rules({ globalFilters: [{ key: 'PRODUCT', values: ['Debian11'] }] }));
    expect(a.reason).toBe('not approved: global filter PRODUCT Debian11 does not match Debian12|Debian');
  });

  it('names the failing rule filter', () => {
    const a = evaluate(rules({ approvalRules: [rule({ filters: [{ key: 'SEVERITY', values: ['Critical'] }] })] }));
    expect(a.reason).toBe('not approved: rule 1 (SEVERITY, approveAfterDays 0): SEVERITY Critical does not match high');
  });
});

describe('evaluatePatch: enableNonSecurity', () => {
  it.each([
    [false, true, true],
    [false, false, false],
    [true, false, true],
    [true, true, true],
  ])('enableNonSecurity %s, security %s → approved %s', (enable, security, approved) => {
    const a = evaluate(rules({ approvalRules: [rule({ enableNonSecurity: enable })] }), patch({ security, classification: security ? 'security' : 'other' }));
    expect(a.approved).toBe(approved);
    if (!approved) expect(a.reason).toContain('not security and enableNonSecurity is false');
  });
});

describe('evaluatePatch: dates', () => {
  const delay = (days: number, over: Partial<ApprovalRule> = {}) => rules({ approvalRules: [rule({ approveAfterDays: days, ...over })] });
  const until = (date: string, over: Partial<ApprovalRule> = {}) => rules({ approvalRules: [rule({ approveAfterDays: undefined, approveUntilDate: date, ...over })] });
  // [name, rules, patch overrides, now, approved, approvedAt, pendingUntil]
  const table: [string, BaselineRules, Partial<PatchCandidate>, string, boolean, string | null, string | null][] = [
    ['0 days: immediate, no date needed', delay(0), { releaseDate: null, firstSeenAt: null }, '2026-11-23T12:00:00Z', true, '2026-11-23T12:00:00.000Z', null],
    ['0 days undated: approvedAt = first seen', delay(0), { releaseDate: null }, '2026-11-23T12:00:00Z', true, '2026-11-11T09:30:00.000Z', null],
    ['0 days dated: release day, not before first seen', delay(0), {}, '2026-11-23T12:00:00Z', true, '2026-11-11T09:30:00.000Z', null],
    ['0 days dated, first seen before release', delay(0), { firstSeenAt: '2026-11-09T00:00:00Z' }, '2026-11-23T12:00:00Z', true, '2026-11-10T00:00:00.000Z', null],
    ['7 days: whole-day edge, one minute before', delay(7), { releaseDate: '2026-11-16T23:59:00Z', firstSeenAt: null }, '2026-11-22T23:59:59Z', false, null, '2026-11-23T00:00:00.000Z'],
    ['7 days: whole-day edge, at midnight', delay(7), { releaseDate: '2026-11-16T23:59:00Z', firstSeenAt: null }, '2026-11-23T00:00:00Z', true, '2026-11-23T00:00:00.000Z', null],
    ['7 days: released at 00:00 same instant', delay(7), { releaseDate: '2026-11-16T00:00:00Z', firstSeenAt: null }, '2026-11-23T00:00:00Z', true, '2026-11-23T00:00:00.000Z', null],
    ['7 days: approvedAt not before first seen', delay(7), { releaseDate: '2026-11-01T10:00:00Z', firstSeenAt: '2026-11-20T06:00:00Z' }, '2026-11-23T00:00:00Z', true, '2026-11-20T06:00:00.000Z', null],
    ['7 days undated without approveUndated', delay(7), { releaseDate: null }, '2026-12-30T00:00:00Z', false, null, null],
    ['7 days undated with approveUndated: from first seen', delay(7, { approveUndated: true }), { releaseDate: null, firstSeenAt: '2026-11-16T22:00:00Z' }, '2026-11-23T00:00:00Z', true, '2026-11-23T00:00:00.000Z', null],
    ['7 days undated with approveUndated: waiting', delay(7, { approveUndated: true }), { releaseDate: null, firstSeenAt: '2026-11-17T01:00:00Z' }, '2026-11-23T00:00:00Z', false, null, '2026-11-24T00:00:00.000Z'],
    ['7 days undated, never seen', delay(7, { approveUndated: true }), { releaseDate: null, firstSeenAt: null }, '2026-11-23T00:00:00Z', false, null, null],
    ['360 days', delay(360), { releaseDate: '2025-11-27T05:00:00Z', firstSeenAt: null }, '2026-11-22T00:00:00Z', true, '2026-11-22T00:00:00.000Z', null],
    ['unparsable release date counts as undated', delay(7), { releaseDate: 'yesterday' }, '2026-11-23T00:00:00Z', false, null, null],
    ['until: released that day (late)', until('2026-11-16'), { releaseDate: '2026-11-16T23:59:59Z', firstSeenAt: null }, '2026-11-23T00:00:00Z', true, '2026-11-16T00:00:00.000Z', null],
    ['until: released the next day', until('2026-11-16'), { releaseDate: '2026-11-17T00:00:00Z', firstSeenAt: null }, '2026-11-23T00:00:00Z', false, null, null],
    ['until: released before', until('2026-11-16'), { releaseDate: '2026-10-01T00:00:00Z', firstSeenAt: '2026-11-02T00:00:00Z' }, '2026-11-23T00:00:00Z', true, '2026-11-02T00:00:00.000Z', null],
    ['until: undated without approveUndated', until('2026-11-16'), { releaseDate: null }, '2026-11-23T00:00:00Z', false, null, null],
    ['until: undated with approveUndated, seen before', until('2026-11-16', { approveUndated: true }), { releaseDate: null, firstSeenAt: '2026-11-11T09:30:00Z' }, '2026-11-23T00:00:00Z', true, '2026-11-11T09:30:00.000Z', null],
    ['until: undated with approveUndated, seen after', until('2026-11-10', { approveUndated: true }), { releaseDate: null, firstSeenAt: '2026-11-11T09:30:00Z' }, '2026-11-23T00:00:00Z', false, null, null],
  ];
  it.each(table)('%s', (_name, r, over, now, approved, approvedAt, pendingUntil) => {
    const a = evaluate(r, patch(over), new Date(now));
    expect({ approved: a.approved, approvedAt: a.approvedAt, pendingUntil: a.pendingUntil }).toEqual({ approved, approvedAt, pendingUntil });
  });

  it('says how to approve undated updates', () => {
    const a = evaluate(delay(7), patch({ releaseDate: null }));
    expect(a.reason).toContain('no release date; set approveUndated to count the delay from when the update was first seen');
  });

  it('pendingUntil is the earliest of several waiting rules', () => {
    const r = rules({ approvalRules: [rule({ approveAfterDays: 30 }), rule({ approveAfterDays: 14 })] });
    const a = evaluate(r, patch({ releaseDate: '2026-11-20T10:00:00Z' }));
    expect(a.pendingUntil).toBe('2026-12-04T00:00:00.000Z');
    expect(a.reason).toContain('rule 2 (no filters, approveAfterDays 14): released 2026-11-20, approved from 2026-12-04T00:00:00.000Z');
  });
});

describe('evaluatePatch: approved and rejected lists', () => {
  const table: [string, BaselineRules, Partial<PatchCandidate>, { approved: boolean; rejected: boolean; complianceLevel: string }][] = [
    [
      'approved by name despite global filter',
      rules({ approvalRules: [], globalFilters: [{ key: 'PRODUCT', values: ['Debian11'] }], approvedPatches: ['openssl'], approvedPatchesComplianceLevel: 'CRITICAL' }),
      {},
      { approved: true, rejected: false, complianceLevel: 'CRITICAL' },
    ],
    ['approved by name=version', rules({ approvalRules: [], approvedPatches: ['openssl=3.0.15-1~deb12u1'] }), {}, { approved: true, rejected: false, complianceLevel: 'UNSPECIFIED' }],
    ['approved name=version mismatch', rules({ approvalRules: [], approvedPatches: ['openssl=3.0.16-*'] }), {}, { approved: false, rejected: false, complianceLevel: 'UNSPECIFIED' }],
    ['approved by CVE (case-insensitive)', rules({ approvalRules: [], approvedPatches: ['cve-2026-1234'] }), {}, { approved: true, rejected: false, complianceLevel: 'UNSPECIFIED' }],
    ['approved by advisory', rules({ approvalRules: [], approvedPatches: ['DSA-5678-1'] }), {}, { approved: true, rejected: false, complianceLevel: 'UNSPECIFIED' }],
    ['other advisory', rules({ approvalRules: [], approvedPatches: ['DSA-5679-1'] }), {}, { approved: false, rejected: false, complianceLevel: 'UNSPECIFIED' }],
    ['approved list, non-security, flag off', rules({ approvalRules: [], approvedPatches: ['openssl'] }), { security: false }, { approved: false, rejected: false, complianceLevel: 'UNSPECIFIED' }],
    [
      'approved list, non-security, flag on',
      rules({ approvalRules: [], approvedPatches: ['openssl'], approvedPatchesEnableNonSecurity: true }),
      { security: false },
      { approved: true, rejected: false, complianceLevel: 'UNSPECIFIED' },
    ],
    ['approved list ignores dates', rules({ approvalRules: [], approvedPatches: ['openssl'] }), { releaseDate: '2026-11-23T11:00:00Z' }, { approved: true, rejected: false, complianceLevel: 'UNSPECIFIED' }],
    ['rejected by name', rules({ rejectedPatches: ['openssl'] }), {}, { approved: false, rejected: true, complianceLevel: 'UNSPECIFIED' }],
    ['rejected wins over approved list', rules({ approvedPatches: ['openssl'], rejectedPatches: ['openssl'] }), {}, { approved: false, rejected: true, complianceLevel: 'UNSPECIFIED' }],
    ['rejected candidate version only', rules({ rejectedPatches: ['openssl=3.0.15-*'] }), {}, { approved: false, rejected: true, complianceLevel: 'UNSPECIFIED' }],
    ['rejected other version', rules({ rejectedPatches: ['openssl=3.0.14-*'] }), {}, { approved: true, rejected: false, complianceLevel: 'HIGH' }],
    ['rejected other arch', rules({ rejectedPatches: ['openssl:i386'] }), {}, { approved: true, rejected: false, complianceLevel: 'HIGH' }],
    ['rejected names are case-sensitive', rules({ rejectedPatches: ['OpenSSL'] }), {}, { approved: true, rejected: false, complianceLevel: 'HIGH' }],
    [
      'level is the max of rules and list',
      rules({
        approvalRules: [rule({ complianceLevel: 'LOW' }), rule({ complianceLevel: 'MEDIUM', filters: [{ key: 'SEVERITY', values: ['High'] }] })],
        approvedPatches: ['openssl'],
        approvedPatchesComplianceLevel: 'INFORMATIONAL',
      }),
      {},
      { approved: true, rejected: false, complianceLevel: 'MEDIUM' },
    ],
    [
      'level max ignores waiting rules',
      rules({ approvalRules: [rule({ complianceLevel: 'LOW' }), rule({ complianceLevel: 'CRITICAL', approveAfterDays: 30 })] }),
      {},
      { approved: true, rejected: false, complianceLevel: 'LOW' },
    ],
  ];
  it.each(table)('%s', (_name, r, over, want) => {
    const a = evaluate(r, patch(over));
    expect({ approved: a.approved, rejected: a.rejected, complianceLevel: a.complianceLevel }).toEqual(want);
  });

  it('reasons name the list entry and the rule', () => {
    expect(evaluate(rules({ rejectedPatches: ['openssl*'] })).reason).toBe('rejected list "openssl*"');
    expect(evaluate(rules({ approvedPatches: ['CVE-2026-1234'] })).reason).toBe('approved by approved list "CVE-2026-1234"; rule 1 (no filters, approveAfterDays 0)');
  });

  it('approved list: approvedAt is when the update was first seen, else now', () => {
    const r = rules({ approvalRules: [], approvedPatches: ['openssl'] });
    expect(evaluate(r).approvedAt).toBe('2026-11-11T09:30:00.000Z');
    expect(evaluate(r, patch({ firstSeenAt: null })).approvedAt).toBe(NOW.toISOString());
  });

  it('approvedAt is the earliest approving source', () => {
    const r = rules({ approvalRules: [rule({ approveAfterDays: 7 })], approvedPatches: ['openssl'] });
    const a = evaluate(r, patch({ releaseDate: '2026-11-01T00:00:00Z', firstSeenAt: '2026-11-02T00:00:00Z' }));
    expect(a.approvedAt).toBe('2026-11-02T00:00:00.000Z');
  });
});

describe('evaluatePatch with the predefined baselines', () => {
  const rocky = ['RockyLinux9.4', 'RockyLinux9', 'RockyLinux'];
  const rpm = (over: Partial<PatchCandidate>): PatchCandidate =>
    patch({ arch: 'x86_64', installedVersion: '1:3.0.7-27.el9', candidateVersion: '1:3.0.7-28.el9_4', section: '', priority: '', advisoryIds: ['RLSA-2026:1234'], ...over });
  // [os, patch, products, now, approved, level]
  const table: [string, BaselineRules, PatchCandidate, string[], string, boolean, string][] = [
    ['Debian critical security', predefinedBaselineFor('DEBIAN'), patch({ severity: 'critical' }), DEBIAN, '2026-11-10T09:00:00Z', true, 'CRITICAL'],
    ['Debian high security', predefinedBaselineFor('DEBIAN'), patch({ severity: 'high' }), DEBIAN, '2026-11-10T09:00:00Z', true, 'HIGH'],
    ['Debian unknown-severity security', predefinedBaselineFor('DEBIAN'), patch({ severity: 'unknown', priority: '' }), DEBIAN, '2026-11-10T09:00:00Z', true, 'MEDIUM'],
    ['Debian non-security', predefinedBaselineFor('DEBIAN'), patch({ security: false, classification: 'other' }), DEBIAN, '2026-11-10T09:00:00Z', false, 'UNSPECIFIED'],
    ['Ubuntu low security', predefinedBaselineFor('UBUNTU'), patch({ severity: 'low' }), ['Ubuntu24.04', 'Ubuntu'], '2026-11-10T09:00:00Z', true, 'MEDIUM'],
    ['Rocky Security Important after 7 days', predefinedBaselineFor('ROCKY_LINUX'), rpm({ severity: 'high' }), rocky, '2026-11-17T00:00:00Z', true, 'HIGH'],
    ['Rocky Security Important before 7 days', predefinedBaselineFor('ROCKY_LINUX'), rpm({ severity: 'high' }), rocky, '2026-11-16T23:59:59Z', false, 'UNSPECIFIED'],
    ['Rocky Security Moderate', predefinedBaselineFor('ROCKY_LINUX'), rpm({ severity: 'medium' }), rocky, '2026-12-17T00:00:00Z', false, 'UNSPECIFIED'],
    ['Rocky Bugfix', predefinedBaselineFor('ROCKY_LINUX'), rpm({ security: false, classification: 'bugfix', severity: 'unknown' }), rocky, '2026-12-17T00:00:00Z', true, 'LOW'],
    ['Rocky Enhancement', predefinedBaselineFor('ROCKY_LINUX'), rpm({ security: false, classification: 'enhancement', severity: 'unknown' }), rocky, '2026-12-17T00:00:00Z', false, 'UNSPECIFIED'],
    ['CentOS undated update, 7 days after first seen', predefinedBaselineFor('CENTOS'), rpm({ security: false, classification: '', severity: 'unknown', releaseDate: null }), ['CentOS9', 'CentOS'], '2026-11-18T00:00:00Z', true, 'LOW'],
    ['CentOS undated update, 6 days after first seen', predefinedBaselineFor('CENTOS'), rpm({ security: false, classification: '', severity: 'unknown', releaseDate: null }), ['CentOS9', 'CentOS'], '2026-11-17T23:00:00Z', false, 'UNSPECIFIED'],
  ];
  it.each(table)('%s', (_name, r, p, products, now, approved, level) => {
    const a = evaluatePatch(r, p, { now: new Date(now), products });
    expect({ approved: a.approved, level: a.complianceLevel }).toEqual({ approved, level });
  });
});
