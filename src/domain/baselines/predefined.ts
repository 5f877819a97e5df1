import type { ApprovalRule, Baseline, BaselineRules, ComplianceLevel, OperatingSystem, PatchFilter } from './model.js';

/**
 * Predefined baselines, one per OS (shared/reference/aws-ssm-patch-manager.md §2.5), with meaningful
 * compliance levels instead of SSM's UNSPECIFIED everywhere. See README.md for the choices.
 */

const ALL_PRODUCTS: PatchFilter[] = [{ key: 'PRODUCT', values: ['*'] }];

const rule = (filters: PatchFilter[], complianceLevel: ComplianceLevel, approveAfterDays: number, enableNonSecurity: boolean): ApprovalRule => ({
  filters,
  complianceLevel,
  approveAfterDays,
  approveUndated: true,
  enableNonSecurity,
});

const common = () => ({
  globalFilters: ALL_PRODUCTS,
  approvedPatches: [],
  approvedPatchesComplianceLevel: 'UNSPECIFIED',
  approvedPatchesEnableNonSecurity: false,
  rejectedPatches: [],
  rejectedPatchesAction: 'ALLOW_AS_DEPENDENCY',
  availableSecurityUpdatesComplianceStatus: 'COMPLIANT',
  sources: [],
}) satisfies Omit<BaselineRules, 'operatingSystem' | 'approvalRules'>;

/** Debian/Ubuntu: every security update of every priority, immediately; levels from the advisory severity. */
const aptRules = (): ApprovalRule[] => [
  rule([{ key: 'SEVERITY', values: ['Critical'] }], 'CRITICAL', 0, false),
  rule([{ key: 'SEVERITY', values: ['High'] }], 'HIGH', 0, false),
  rule([{ key: 'PRIORITY', values: ['*'] }], 'MEDIUM', 0, false),
];

/** RHEL family: Security Critical/Important and Bugfix, 7 days after release. */
const rpmRules = (): ApprovalRule[] => [
  rule(
    [
      { key: 'CLASSIFICATION', values: ['Security'] },
      { key: 'SEVERITY', values: ['Critical'] },
    ],
    'CRITICAL',
    7,
    false,
  ),
  rule(
    [
      { key: 'CLASSIFICATION', values: ['Security'] },
      { key: 'SEVERITY', values: ['Important'] },
    ],
    'HIGH',
    7,
    false,
  ),
  rule([{ key: 'CLASSIFICATION', values: ['Bugfix'] }], 'LOW', 7, true),
];

/** CentOS (Stream): its repositories carry no updateinfo, so every update, security or not, 7 days after first seen. */
const centosRules = (): ApprovalRule[] => [...rpmRules().slice(0, 2), rule([{ key: 'CLASSIFICATION', values: ['*'] }], 'LOW', 7, true)];

interface Spec {
  os: OperatingSystem;
  slug: string;
  label: string;
  rules: () => ApprovalRule[];
  description: string;
}

const SPECS: Spec[] = [
  { os: 'DEBIAN', slug: 'debian', label: 'Debian', rules: aptRules, description: 'Every security update of every priority, immediately. Critical advisories CRITICAL, high HIGH, other security updates MEDIUM.' },
  { os: 'UBUNTU', slug: 'ubuntu', label: 'Ubuntu', rules: aptRules, description: 'Every security update of every priority, immediately. Critical advisories CRITICAL, high HIGH, other security updates MEDIUM.' },
  { os: 'REDHAT_ENTERPRISE_LINUX', slug: 'rhel', label: 'Red Hat Enterprise Linux', rules: rpmRules, description: 'Security Critical (CRITICAL) and Important (HIGH) and all Bugfix updates (LOW), 7 days after release.' },
  { os: 'ROCKY_LINUX', slug: 'rocky', label: 'Rocky Linux', rules: rpmRules, description: 'Security Critical (CRITICAL) and Important (HIGH) and all Bugfix updates (LOW), 7 days after release.' },
  { os: 'ALMA_LINUX', slug: 'alma', label: 'AlmaLinux', rules: rpmRules, description: 'Security Critical (CRITICAL) and Important (HIGH) and all Bugfix updates (LOW), 7 days after release.' },
  { os: 'CENTOS', slug: 'centos', label: 'CentOS', rules: centosRules, description: 'Every update, security or not, 7 days after release (or first seen); Security Critical CRITICAL, Important HIGH, the rest LOW.' },
  { os: 'ORACLE_LINUX', slug: 'oracle', label: 'Oracle Linux', rules: rpmRules, description: 'Security Critical (CRITICAL) and Important (HIGH) and all Bugfix updates (LOW), 7 days after release.' },
  { os: 'AMAZON_LINUX_2023', slug: 'amazon2023', label: 'Amazon Linux 2023', rules: rpmRules, description: 'Security Critical (CRITICAL) and Important (HIGH) 7 days after release; Bugfix (LOW) 7 days after release.' },
  { os: 'FEDORA', slug: 'fedora', label: 'Fedora', rules: rpmRules, description: 'Security Critical (CRITICAL) and Important (HIGH) 7 days after release; Bugfix (LOW) 7 days after release.' },
];

export const PREDEFINED_BASELINES: readonly Baseline[] = SPECS.map((s) => ({
  id: `pb-predefined-${s.slug}`,
  accountId: null,
  name: `patchwarden-${s.slug}-default`,
  description: `Predefined baseline for ${s.label}. ${s.description}`,
  predefined: true,
  version: 1,
  operatingSystem: s.os,
  approvalRules: s.rules(),
  ...common(),
  globalFilters: ALL_PRODUCTS.map((f) => ({ ...f, values: [...f.values] })),
}));

/** The predefined baseline of an OS. */
export function predefinedBaselineFor(os: OperatingSystem): Baseline {
  const b = PREDEFINED_BASELINES.find((p) => p.operatingSystem === os);
  if (b === undefined) throw new Error(`no predefined baseline for ${os}`);
  return b;
}

/** Predefined baseline ids per OS (the last level of precedence). */
export function predefinedBaselineIds(): Partial<Record<OperatingSystem, string>> {
  return Object.fromEntries(PREDEFINED_BASELINES.map((b) => [b.operatingSystem, b.id]));
}
