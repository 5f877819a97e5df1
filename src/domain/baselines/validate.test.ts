import { describe, expect, it } from 'vitest';
import { OPERATING_SYSTEMS, type ApprovalRule, type BaselineRules } from './model.js';
import { PREDEFINED_BASELINES, predefinedBaselineFor } from './predefined.js';
import { isCalendarDate, validateBaselineRules } from './validate.js';

const rule = (over: Partial<ApprovalRule> = {}): ApprovalRule => ({ filters: [], complianceLevel: 'HIGH', approveAfterDays: 7, approveUndated: false, enableNonSecurity: false, ...over });

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

const DEB_SOURCE = { name: 'local-security', products: ['Debian12'], configuration: 'deb http://security.debian.org/debian-security bookworm-security main' };
const DNF_SOURCE = { name: 'baseos', products: ['RockyLinux9'], configuration: '[baseos]\nname=BaseOS\nbaseurl=https://dl.rockylinux.org/pub/rocky/9/BaseOS/x86_64/os/\nenabled=1' };

describe('validateBaselineRules', () => {
  // [name, rules, expected path, message fragment]
  const table: [string, BaselineRules, string, string][] = [
    ['5 global filters', rules({ globalFilters: ['PRODUCT', 'SECTION', 'PRIORITY', 'SECURITY', 'SEVERITY'].map((key) => ({ key, values: ['*'] }) as never) }), 'globalFilters', 'at most 4'],
    ['11 rules', rules({ approvalRules: Array.from({ length: 11 }, () => rule()) }), 'approvalRules', 'at most 10'],
    [
      '5 filters in a rule',
      rules({ approvalRules: [rule({ filters: ['PRODUCT', 'SECTION', 'PRIORITY', 'SECURITY', 'SEVERITY'].map((key) => ({ key, values: ['*'] }) as never) })] }),
      'approvalRules[0].filters',
      'at most 4',
    ],
    ['no values', rules({ globalFilters: [{ key: 'PRODUCT', values: [] }] }), 'globalFilters[0].values', 'give 1 to 20'],
    ['21 values', rules({ globalFilters: [{ key: 'SECTION', values: Array.from({ length: 21 }, (_, i) => `s${i}`) }] }), 'globalFilters[0].values', 'give 1 to 20'],
    ['empty value', rules({ globalFilters: [{ key: 'SECTION', values: [''] }] }), 'globalFilters[0].values[0]', '1 to 64 characters'],
    ['65-char value', rules({ globalFilters: [{ key: 'SECTION', values: ['x'.repeat(65)] }] }), 'globalFilters[0].values[0]', '1 to 64 characters'],
    [
      'duplicate key',
      rules({
        approvalRules: [
          rule({
            filters: [
              { key: 'PRIORITY', values: ['Required'] },
              { key: 'PRIORITY', values: ['Important'] },
            ],
          }),
        ],
      }),
      'approvalRules[0].filters[1].key',
      'appears twice',
    ],
    ['unknown key', rules({ globalFilters: [{ key: 'ARCH' as never, values: ['*'] }] }), 'globalFilters[0].key', 'is not a filter key'],
    ['PRIORITY on RHEL', rules({ operatingSystem: 'REDHAT_ENTERPRISE_LINUX', globalFilters: [{ key: 'PRIORITY', values: ['*'] }] }), 'globalFilters[0].key', 'not available for REDHAT_ENTERPRISE_LINUX'],
    ['SECTION on Rocky', rules({ operatingSystem: 'ROCKY_LINUX', globalFilters: [{ key: 'SECTION', values: ['*'] }] }), 'globalFilters[0].key', 'use one of PRODUCT, CLASSIFICATION, SEVERITY, SECURITY'],
    ['Debian CLASSIFICATION Bugfix', rules({ approvalRules: [rule({ filters: [{ key: 'CLASSIFICATION', values: ['Bugfix'] }] })] }), 'approvalRules[0].filters[0].values[0]', 'use one of Security, Other or *'],
    ['RHEL CLASSIFICATION Other', rules({ operatingSystem: 'REDHAT_ENTERPRISE_LINUX', globalFilters: [{ key: 'CLASSIFICATION', values: ['Other'] }] }), 'globalFilters[0].values[0]', 'Security, Bugfix, Enhancement, Newpackage'],
    ['unknown SEVERITY', rules({ globalFilters: [{ key: 'SEVERITY', values: ['Urgent'] }] }), 'globalFilters[0].values[0]', 'Critical, High, Important, Medium, Moderate, Low, None'],
    ['unknown PRIORITY', rules({ globalFilters: [{ key: 'PRIORITY', values: ['extra', 'sometimes'] }] }), 'globalFilters[0].values[1]', 'Required, Important, Standard, Optional, Extra'],
    ['SECURITY yes', rules({ globalFilters: [{ key: 'SECURITY', values: ['yes'] }] }), 'globalFilters[0].values[0]', 'use one of true, false'],
    ['both date modes', rules({ approvalRules: [rule({ approveUntilDate: '2026-11-01' })] }), 'approvalRules[0]', 'exactly one of approveAfterDays'],
    ['no date mode', rules({ approvalRules: [rule({ approveAfterDays: undefined })] }), 'approvalRules[0]', 'approveAfterDays 0 approves immediately'],
    ['361 days', rules({ approvalRules: [rule({ approveAfterDays: 361 })] }), 'approvalRules[0].approveAfterDays', 'from 0 to 360'],
    ['negative days', rules({ approvalRules: [rule({ approveAfterDays: -1 })] }), 'approvalRules[0].approveAfterDays', 'from 0 to 360'],
    ['fractional days', rules({ approvalRules: [rule({ approveAfterDays: 1.5 })] }), 'approvalRules[0].approveAfterDays', 'whole number'],
    ['Feb 29 of a common year', rules({ approvalRules: [rule({ approveAfterDays: undefined, approveUntilDate: '2026-02-29' })] }), 'approvalRules[0].approveUntilDate', 'is not a calendar date'],
    ['date with time', rules({ approvalRules: [rule({ approveAfterDays: undefined, approveUntilDate: '2026-11-01T00:00' })] }), 'approvalRules[0].approveUntilDate', 'YYYY-MM-DD'],
    ['bad level', rules({ approvalRules: [rule({ complianceLevel: 'SEVERE' as never })] }), 'approvalRules[0].complianceLevel', 'CRITICAL'],
    ['pattern error', rules({ approvedPatches: ['openssl', 'a', 'b', 'x='] }), 'approvedPatches[3]', `approvedPatches[3] "x=": empty version after '='`],
    ['rejected CVE', rules({ rejectedPatches: ['CVE-2024-1234'] }), 'rejectedPatches[0]', 'cannot be rejected'],
    ['201 approved', rules({ approvedPatches: Array.from({ length: 201 }, (_, i) => `pkg${i}`) }), 'approvedPatches', 'at most 200'],
    ['201 rejected', rules({ rejectedPatches: Array.from({ length: 201 }, (_, i) => `pkg${i}`) }), 'rejectedPatches', 'at most 200'],
    ['approves nothing', rules({ approvalRules: [] }), 'approvalRules', 'add an approval rule or an approved patch'],
    ['21 sources', rules({ sources: Array.from({ length: 21 }, (_, i) => ({ ...DEB_SOURCE, name: `src${i}` })) }), 'sources', 'at most 20'],
    ['source name', rules({ sources: [{ ...DEB_SOURCE, name: 'a b' }] }), 'sources[0].name', '3–50 characters'],
    ['duplicate source name', rules({ sources: [DEB_SOURCE, DEB_SOURCE] }), 'sources[1].name', 'used by another source'],
    ['no products', rules({ sources: [{ ...DEB_SOURCE, products: [] }] }), 'sources[0].products', 'give 1 to 20 products'],
    ['empty configuration', rules({ sources: [{ ...DEB_SOURCE, configuration: '' }] }), 'sources[0].configuration', 'give 1 to 1024'],
    ['long configuration', rules({ sources: [{ ...DEB_SOURCE, configuration: `deb http://x/ y ${'z'.repeat(1100)}` }] }), 'sources[0].configuration', 'give 1 to 1024'],
    ['apt line without suite', rules({ sources: [{ ...DEB_SOURCE, configuration: 'deb http://deb.debian.org/debian' }] }), 'sources[0].configuration', 'write "deb URL SUITE [COMPONENTS]"'],
    ['apt ini', rules({ sources: [{ ...DEB_SOURCE, configuration: DNF_SOURCE.configuration }] }), 'sources[0].configuration', 'is not an apt source'],
    ['dnf deb line', rules({ operatingSystem: 'ROCKY_LINUX', sources: [{ ...DNF_SOURCE, configuration: DEB_SOURCE.configuration }] }), 'sources[0].configuration', 'comes before any [repository-id] header'],
    [
      'dnf without baseurl',
      rules({ operatingSystem: 'ROCKY_LINUX', sources: [{ ...DNF_SOURCE, configuration: '[baseos]\nname=BaseOS\nenabled=1' }] }),
      'sources[0].configuration',
      'has no baseurl=, metalink= or mirrorlist=',
    ],
  ];
  it.each(table)('%s', (_name, r, path, fragment) => {
    const issues = validateBaselineRules(r);
    const hit = issues.find((i) => i.path === path && i.message.includes(fragment));
    expect(hit, JSON.stringify(issues, null, 1)).toBeDefined();
  });

  const valid: [string, BaselineRules][] = [
    ['minimal', rules()],
    ['approved list only', rules({ approvalRules: [], approvedPatches: ['openssl', 'CVE-2024-1234', 'DSA-5678-1'] })],
    ['until date', rules({ approvalRules: [rule({ approveAfterDays: undefined, approveUntilDate: '2028-02-29' })] })],
    ['case-insensitive known values', rules({ globalFilters: [{ key: 'PRIORITY', values: ['required', 'IMPORTANT'] }, { key: 'SEVERITY', values: ['moderate'] }] })],
    ['* in closed sets', rules({ globalFilters: [{ key: 'CLASSIFICATION', values: ['*'] }] })],
    ['Debian SEVERITY and CLASSIFICATION', rules({ approvalRules: [rule({ filters: [{ key: 'SEVERITY', values: ['Critical'] }, { key: 'CLASSIFICATION', values: ['security'] }] })] })],
    ['apt sources with options and comments', rules({ sources: [{ ...DEB_SOURCE, configuration: '# local\ndeb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] file:/srv/repo ./\ndeb-src http://deb.debian.org/debian bookworm main contrib' }] })],
    ['dnf sources with two repositories', rules({ operatingSystem: 'ROCKY_LINUX', sources: [{ ...DNF_SOURCE, configuration: `${DNF_SOURCE.configuration}\n\n[appstream]\nmetalink=https://mirrors.rockylinux.org/metalink?repo=AppStream-9` }] })],
    ['limits exactly', rules({ approvalRules: Array.from({ length: 10 }, () => rule()), approvedPatches: Array.from({ length: 200 }, (_, i) => `pkg${i}`), rejectedPatches: Array.from({ length: 200 }, (_, i) => `bad${i}`) })],
  ];
  it.each(valid)('valid: %s', (_name, r) => {
    expect(validateBaselineRules(r)).toEqual([]);
  });

  it.each([
    ['2026-11-30', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-13-01', false],
    ['2026-1-01', false],
    ['26-11-01', false],
  ])('isCalendarDate(%s) = %s', (d, want) => expect(isCalendarDate(d)).toBe(want));
});

describe('predefined baselines', () => {
  it('one per OS, with the documented ids', () => {
    expect(PREDEFINED_BASELINES.map((b) => b.operatingSystem).sort()).toEqual([...OPERATING_SYSTEMS].sort());
    expect(PREDEFINED_BASELINES.map((b) => b.id).sort()).toEqual(
      ['alma', 'amazon2023', 'centos', 'debian', 'fedora', 'oracle', 'rhel', 'rocky', 'ubuntu'].map((s) => `pb-predefined-${s}`).sort(),
    );
  });

  it.each(PREDEFINED_BASELINES.map((b) => [b.id, b] as const))('%s validates cleanly', (_id, b) => {
    expect(b.predefined).toBe(true);
    expect(b.accountId).toBeNull();
    expect(b.version).toBe(1);
    expect(b.globalFilters).toEqual([{ key: 'PRODUCT', values: ['*'] }]);
    expect(validateBaselineRules(b)).toEqual([]);
  });

  it('Debian and Ubuntu approve immediately, security only', () => {
    for (const os of ['DEBIAN', 'UBUNTU'] as const) {
      const b = predefinedBaselineFor(os);
      expect(b.approvalRules.every((r) => r.approveAfterDays === 0 && !r.enableNonSecurity)).toBe(true);
      expect(b.approvalRules.map((r) => r.complianceLevel)).toEqual(['CRITICAL', 'HIGH', 'MEDIUM']);
    }
  });

  it('RHEL family waits 7 days; CentOS also approves non-security updates', () => {
    for (const os of ['REDHAT_ENTERPRISE_LINUX', 'ROCKY_LINUX', 'ALMA_LINUX', 'ORACLE_LINUX', 'AMAZON_LINUX_2023', 'FEDORA', 'CENTOS'] as const) {
      expect(predefinedBaselineFor(os).approvalRules.every((r) => r.approveAfterDays === 7)).toBe(true);
    }
    expect(predefinedBaselineFor('CENTOS').approvalRules.at(-1)).toMatchObject({ filters: [{ key: 'CLASSIFICATION', values: ['*'] }], enableNonSecurity: true });
    expect(predefinedBaselineFor('REDHAT_ENTERPRISE_LINUX').approvalRules.at(-1)).toMatchObject({ filters: [{ key: 'CLASSIFICATION', values: ['Bugfix'] }], enableNonSecurity: true });
  });
});
