/**
 * OSV records of real npm and PyPI vulnerabilities, written as the GitHub advisory database
 * publishes them (ids, CVEs, SEMVER/ECOSYSTEM ranges and fixed versions as in GHSA), trimmed to the
 * fields the scan reads. Plus one withdrawn record and one whose range misses the locked version.
 */
import type { OsvRecord } from '../../src/advisories/osv.schema.js';

const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H'; // 7.2
const MEDIUM = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H'; // 5.9

function ghsa(id: string, cve: string, summary: string, ecosystem: 'npm' | 'PyPI', name: string, events: Record<string, string>[][], vector: string, extra: Partial<OsvRecord> = {}): OsvRecord {
  return {
    schema_version: '1.4.0',
    id,
    modified: '2024-03-01T00:00:00Z',
    published: '2020-01-01T00:00:00Z',
    aliases: [cve],
    summary,
    severity: [{ type: 'CVSS_V3', score: vector }],
    affected: events.map((e) => ({ package: { ecosystem, name }, ranges: [{ type: ecosystem === 'npm' ? 'SEMVER' : 'ECOSYSTEM', events: e }] })),
    database_specific: { github_reviewed: true },
    ...extra,
  };
}

export const ADVISORIES: readonly OsvRecord[] = [
  ghsa('GHSA-jf85-cpcp-j695', 'CVE-2019-10744', 'Prototype Pollution in lodash', 'npm', 'lodash', [[{ introduced: '0' }, { fixed: '4.17.12' }]], CRITICAL),
  ghsa('GHSA-p6mc-m468-83gw', 'CVE-2020-8203', 'Prototype Pollution in lodash', 'npm', 'lodash', [[{ introduced: '3.7.0' }, { fixed: '4.17.19' }]], HIGH),
  ghsa('GHSA-35jh-r3h4-6jhm', 'CVE-2021-23337', 'Command Injection in lodash', 'npm', 'lodash', [[{ introduced: '0' }, { fixed: '4.17.21' }]], HIGH),
  ghsa('GHSA-vh95-rmgr-6w4m', 'CVE-2020-7598', 'Prototype Pollution in minimist', 'npm', 'minimist', [[{ introduced: '0' }, { fixed: '0.2.1' }], [{ introduced: '1.0.0' }, { fixed: '1.2.3' }]], MEDIUM),
  ghsa('GHSA-xvch-5gv4-984h', 'CVE-2021-44906', 'Prototype Pollution in minimist', 'npm', 'minimist', [[{ introduced: '0' }, { fixed: '0.2.4' }], [{ introduced: '1.0.0' }, { fixed: '1.2.6' }]], CRITICAL),
  // Withdrawn: never matches ms 2.0.0.
  ghsa('GHSA-0000-withdrawn-ms', 'CVE-2017-0000', 'Withdrawn advisory of ms', 'npm', 'ms', [[{ introduced: '0' }, { fixed: '9.0.0' }]], HIGH, { withdrawn: '2024-02-01T00:00:00Z' }),
  // Range below the locked is-number 7.0.0: no finding.
  ghsa('GHSA-0000-old-is-number', 'CVE-2017-0001', 'Old is-number issue', 'npm', 'is-number', [[{ introduced: '0' }, { fixed: '6.0.0' }]], MEDIUM),
  ghsa('GHSA-462w-v97r-4m45', 'CVE-2019-10906', 'Jinja2 sandbox escape via string formatting', 'PyPI', 'jinja2', [[{ introduced: '0' }, { fixed: '2.10.1' }]], CRITICAL),
  ghsa('GHSA-j8r2-6x86-q33q', 'CVE-2023-32681', 'Unintended leak of Proxy-Authorization header in requests', 'PyPI', 'requests', [[{ introduced: '2.3.0' }, { fixed: '2.31.0' }]], MEDIUM),
  ghsa('GHSA-x84v-xcm2-53pg', 'CVE-2018-18074', 'Insufficiently Protected Credentials in requests', 'PyPI', 'requests', [[{ introduced: '0' }, { fixed: '2.20.0' }]], HIGH),
];

/**
 * Records the fix engine's tests add (kept out of ADVISORIES so other suites' counts stay as they
 * are): ip has no patched release for GHSA-2p57-rm9w-gvfp (`last_affected` 2.0.1, the newest).
 */
export const FIX_ADVISORIES: readonly OsvRecord[] = [
  ghsa('GHSA-2p57-rm9w-gvfp', 'CVE-2024-29415', 'ip SSRF improper categorization in isPublic', 'npm', 'ip', [[{ introduced: '0' }, { last_affected: '2.0.1' }]], 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H'),
];
