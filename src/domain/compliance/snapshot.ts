import { evaluatePatch, maxComplianceLevel, type PatchCandidate } from '../baselines/approval.js';
import type { BaselineRules, ComplianceLevel } from '../baselines/model.js';
import type { InstalledPackageFact } from './model.js';

/** One entry of a patch snapshot: the version of a package a baseline approves for an ecosystem (`Debian:12`, `Rocky Linux:9`, …). */
export interface ApprovedItem {
  ecosystem: string;
  name: string;
  arch: string;
  version: string;
  complianceLevel: ComplianceLevel;
  severity: string;
  classification: string;
  security: boolean;
  cves: string[];
  advisoryIds: string[];
  releaseDate: string | null;
}

export interface SnapshotNode {
  ecosystem: string;
  products: string[];
  candidates: PatchCandidate[];
}

export type VersionCompare = (a: string, b: string) => number;

const itemKey = (ecosystem: string, name: string, arch: string) => `${ecosystem}\u0000${name}\u0000${arch}`;

/**
 * The approved set of a baseline over nodes' pending updates, frozen into a snapshot: per
 * (ecosystem, name, arch) the highest approved candidate version (in the ecosystem's version
 * order), with what is known about it. A version approved on one node is approved for all nodes of
 * that ecosystem. Sorted by ecosystem, name, arch.
 */
export function approvedItems(rules: BaselineRules, nodes: readonly SnapshotNode[], now: Date, compareFor: (ecosystem: string) => VersionCompare): ApprovedItem[] {
  const best = new Map<string, ApprovedItem>();
  const compares = new Map<string, VersionCompare>();
  for (const node of nodes) {
    let compare = compares.get(node.ecosystem);
    if (compare === undefined) {
      compare = compareFor(node.ecosystem);
      compares.set(node.ecosystem, compare);
    }
    const ctx = { now, products: node.products };
    for (const c of node.candidates) {
      const a = evaluatePatch(rules, c, ctx);
      if (!a.approved) continue;
      const k = itemKey(node.ecosystem, c.name, c.arch);
      const have = best.get(k);
      const order = have === undefined ? 1 : compare(c.candidateVersion, have.version);
      if (have !== undefined && order === 0) {
        have.complianceLevel = maxComplianceLevel(have.complianceLevel, a.complianceLevel);
        continue;
      }
      if (order < 0) continue;
      best.set(k, {
        ecosystem: node.ecosystem,
        name: c.name,
        arch: c.arch,
        version: c.candidateVersion,
        complianceLevel: a.complianceLevel,
        severity: c.severity,
        classification: c.classification,
        security: c.security,
        cves: [...c.cves],
        advisoryIds: [...c.advisoryIds],
        releaseDate: c.releaseDate,
      });
    }
  }
  return [...best.values()].sort((a, b) => cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || cmp(a.arch, b.arch));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What one node installs from a snapshot: the items (of its ecosystem) whose package is installed
 * at a lower version. Packages the node does not have are never installed by a snapshot.
 */
export function installListFor(
  items: readonly Pick<ApprovedItem, 'name' | 'arch' | 'version'>[],
  installed: readonly InstalledPackageFact[],
  compare: VersionCompare,
): { name: string; arch: string; version: string }[] {
  const have = new Map<string, string>();
  for (const i of installed) have.set(`${i.name}\u0000${i.arch}`, i.version);
  const out: { name: string; arch: string; version: string }[] = [];
  for (const item of items) {
    const v = have.get(`${item.name}\u0000${item.arch}`);
    if (v !== undefined && compare(v, item.version) < 0) out.push({ name: item.name, arch: item.arch, version: item.version });
  }
  return out;
}
