import { OPERATING_SYSTEMS, type Baseline, type OperatingSystem } from '../../domain/baselines/model.js';
import { parsePatchPattern } from '../../domain/baselines/patterns.js';
import { operatingSystemOf, patchGroupOf, productsOf } from '../../domain/baselines/precedence.js';
import { evaluateNode } from '../../domain/compliance/evaluate.js';
import type { InstallFacts, NodeComplianceResult, PatchStateRecord, SlaDays } from '../../domain/compliance/model.js';
import { compareDeb, compareEvr } from '../../versioning/index.js';
import { emptyCounts, newId, type ComplianceOperation, type HistoryRecord, type NodeComplianceRecord, type NodeRecord, type Repositories } from '../../store/index.js';
import type { ServiceDeps } from './context.js';
import { governingPolicy, resolveEffectiveBaselines, type EffectiveBaseline } from './effective-baseline.js';
import { loadPatchCandidates } from './patch-candidates.js';

/** Nodes evaluated per read/write round (and per transaction). */
const CHUNK = 500;
/** The advisory fingerprint the last job run saw. */
const ADVISORY_MARKER = 'advisories';
/** Patch names kept per history entry (missing, failed). */
const HISTORY_NAMES = 100;

/** SLA days used until an org-admin sets them (`compliance sla set`). */
export const DEFAULT_SLA: Required<Pick<SlaDays, 'critical' | 'high' | 'medium' | 'low'>> = { critical: 7, high: 14, medium: 30, low: 90 };

/** What produced an evaluation. */
export interface EvaluationFacts {
  operation: ComplianceOperation;
  commandId?: string | null | undefined;
  snapshotId?: string | null | undefined;
  install?: InstallFacts | undefined;
  /** The operation named its own baseline: recorded in history, never the current state. */
  baselineOverrideId?: string | undefined;
}

export interface EvaluationReport {
  evaluated: number;
  unknown: number;
  historyEntries: number;
}

function compareFor(node: NodeRecord): (a: string, b: string) => number {
  const cmp = node.platform.packageManager === 'dnf' ? compareEvr : compareDeb;
  return (a, b) => {
    try {
      return cmp(a, b);
    } catch {
      // A version the scheme cannot parse: order it plainly rather than fail the whole node.
      return a === b ? 0 : a < b ? -1 : 1;
    }
  };
}

function safeOs(node: NodeRecord): OperatingSystem | null {
  try {
    return operatingSystemOf(node.platform);
  } catch {
    return null;
  }
}

/** Names and `*` patterns of a baseline's approved and rejected lists (package patterns only). */
function listNames(baseline: Baseline, names: Set<string>, patterns: Set<string>): void {
  for (const text of [...baseline.approvedPatches, ...baseline.rejectedPatches]) {
    const parsed = parsePatchPattern(text);
    if (!('pattern' in parsed) || parsed.pattern.kind !== 'package') continue;
    if (parsed.pattern.name.includes('*')) patterns.add(parsed.pattern.name);
    else names.add(parsed.pattern.name);
  }
}

/** The earliest due date among non-compliant patches not overdue yet (when the job must look again). */
function nextDue(states: readonly PatchStateRecord[]): string | null {
  let next: string | null = null;
  for (const s of states) if (s.dueAt !== null && !s.overdue && (next === null || s.dueAt < next)) next = s.dueAt;
  return next;
}

function namesIn(states: readonly PatchStateRecord[], state: string): string[] {
  return states.filter((s) => s.state === state).slice(0, HISTORY_NAMES).map((s) => `${s.name}:${s.arch}`);
}

function sameOutcome(a: NodeComplianceRecord | undefined, b: NodeComplianceRecord): boolean {
  if (a === undefined) return false;
  return (
    a.status === b.status &&
    a.complianceLevel === b.complianceLevel &&
    a.severity === b.severity &&
    a.overdue === b.overdue &&
    a.baselineId === b.baselineId &&
    a.reason === b.reason &&
    JSON.stringify(a.counts) === JSON.stringify(b.counts)
  );
}

/**
 * Evaluates nodes in chunks of 500: nodes → effective baselines → candidates (advisory-enriched)
 * → prior states and installed facts → evaluateNode → one transaction per chunk writing states,
 * node compliance and history, then the day's trend row of the accounts touched.
 */
export class ComplianceEvaluator {
  constructor(private readonly deps: ServiceDeps) {}

  async sla(repos: Repositories = this.deps.store): Promise<SlaDays> {
    const org = await repos.organizations.get();
    const stored = org === undefined ? undefined : await repos.compliance.getSla(org.id);
    return stored?.sla ?? { ...DEFAULT_SLA };
  }

  async evaluateNodes(nodeIds: readonly string[], facts: EvaluationFacts = { operation: 'Reevaluation' }): Promise<EvaluationReport> {
    const report: EvaluationReport = { evaluated: 0, unknown: 0, historyEntries: 0 };
    const ids = [...new Set(nodeIds)];
    if (ids.length === 0) return report;
    const sla = await this.sla();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const r = await this.evaluateChunk(ids.slice(i, i + CHUNK), facts, sla);
      report.evaluated += r.evaluated;
      report.unknown += r.unknown;
      report.historyEntries += r.historyEntries;
    }
    return report;
  }

  private async evaluateChunk(ids: string[], facts: EvaluationFacts, sla: SlaDays): Promise<EvaluationReport> {
    const { store } = this.deps;
    const now = this.deps.clock();
    const nowIso = now.toISOString();
    // Milliseconds per phase, logged at debug level (and read by the benchmark).
    const phases: Record<string, number> = {};
    let mark = performance.now();
    const lap = (name: string): void => {
      const t = performance.now();
      phases[name] = Math.round((phases[name] ?? 0) + t - mark);
      mark = t;
    };
    const nodes = (await store.nodes.getMany(ids)).filter((n) => n.deregisteredAt === null);
    if (nodes.length === 0) return { evaluated: 0, unknown: 0, historyEntries: 0 };
    const nodeIds = nodes.map((n) => n.id);
    lap('nodes');
    const effective = await resolveEffectiveBaselines(store, nodes);
    // Issue 6: a patch policy's SLA days override the organization's for the nodes it governs.
    const policies = await store.policies.listEnabled();
    let override: Map<string, EffectiveBaseline> | undefined;
    if (facts.baselineOverrideId !== undefined) {
      const id = facts.baselineOverrideId;
      override = await resolveEffectiveBaselines(store, nodes, { baselineIds: Object.fromEntries(OPERATING_SYSTEMS.map((os) => [os, id])) });
    }
    lap('baselines');
    const candidates = await loadPatchCandidates(store, nodeIds, { nodes, now });
    lap('candidates');
    const prior = await store.compliance.priorStates(nodeIds);
    const current = await store.compliance.currentOf(nodeIds);
    lap('prior');
    // Installed facts: each node's update and prior names, the baselines' listed names, and `*` pattern matches.
    const byNode = new Map<string, string[]>();
    const patternsByNode = new Map<string, string[]>();
    const listCache = new Map<Baseline, { names: Set<string>; patterns: Set<string> }>();
    const listsOf = (b: Baseline) => {
      let l = listCache.get(b);
      if (l === undefined) {
        l = { names: new Set<string>(), patterns: new Set<string>() };
        listNames(b, l.names, l.patterns);
        listCache.set(b, l);
      }
      return l;
    };
    for (const id of nodeIds) {
      const names = (prior.get(id) ?? []).map((p) => p.name);
      const patterns: string[] = [];
      for (const m of [effective, override]) {
        const e = m?.get(id);
        if (e === undefined || !('baseline' in e)) continue;
        const l = listsOf(e.baseline);
        names.push(...l.names);
        patterns.push(...l.patterns);
      }
      // Update rows carry the installed version; only the other names need the package table.
      const updateNames = new Set((candidates.get(id) ?? []).map((c) => c.name));
      byNode.set(id, names.filter((n) => !updateNames.has(n)));
      patternsByNode.set(id, patterns);
    }
    const installed = await store.compliance.installedPackages(nodeIds, { byNode, patternsByNode });
    for (const id of nodeIds) {
      const facts = installed.get(id) ?? [];
      const known = new Set(facts.map((f) => `${f.name}\u0000${f.arch}`));
      for (const c of candidates.get(id) ?? []) if (!known.has(`${c.name}\u0000${c.arch}`)) facts.push({ name: c.name, arch: c.arch, version: c.installedVersion });
      installed.set(id, facts);
    }
    lap('installed');

    const records: NodeComplianceRecord[] = [];
    const states: { nodeId: string; accountId: string; states: PatchStateRecord[] }[] = [];
    const history: HistoryRecord[] = [];
    let unknown = 0;
    const always = facts.operation === 'Scan' || facts.operation === 'Install';
    for (const node of nodes) {
      const os = safeOs(node);
      const base = {
        nodeId: node.id,
        accountId: node.accountId,
        operatingSystem: os,
        osId: node.platform.osId,
        patchGroup: patchGroupOf(node.tags),
        snapshotId: facts.snapshotId ?? null,
        operation: facts.operation,
        commandId: facts.commandId ?? null,
        evaluatedAt: nowIso,
        inventoryRevision: node.inventoryRevision,
        stale: false,
      };
      const run = (eff: EffectiveBaseline | undefined): { result: NodeComplianceResult; baseline: Baseline } | { reason: string } => {
        if (node.inventoryRevision === 0) return { reason: 'No inventory yet: the agent has not reported its packages (is it running? see `patchwarden nodes show`).' };
        if (eff === undefined) return { reason: 'No baseline could be resolved for this node.' };
        if ('error' in eff) return { reason: eff.error };
        if (os !== null && eff.baseline.operatingSystem !== os) {
          return { reason: `Baseline ${eff.baseline.id} is for ${eff.baseline.operatingSystem}, but the node runs ${os}; choose a baseline for ${os}.` };
        }
        try {
          const result = evaluateNode({
            rules: eff.baseline,
            products: productsOf(node.platform),
            now,
            updates: candidates.get(node.id) ?? [],
            installed: installed.get(node.id) ?? [],
            installedCount: node.packageCount,
            prior: prior.get(node.id) ?? [],
            rebootRequired: node.reboot.required,
            install: facts.install,
            sla: { ...sla, ...governingPolicy(policies, node)?.slaDays },
            compareVersions: compareFor(node),
          });
          return { result, baseline: eff.baseline };
        } catch (err) {
          return { reason: `Evaluation failed: ${(err as Error).message}` };
        }
      };
      const toRecord = (out: ReturnType<typeof run>, eff: EffectiveBaseline | undefined): NodeComplianceRecord => {
        const choice = eff !== undefined && 'choice' in eff ? eff.choice : undefined;
        const common = {
          ...base,
          baselineId: choice?.baselineId ?? null,
          baselineSource: choice?.source ?? null,
          baselineReason: choice?.reason ?? null,
          baselineVersion: eff !== undefined && 'baseline' in eff ? eff.baseline.version : null,
        };
        if ('reason' in out) {
          return { ...common, status: 'UNKNOWN', complianceLevel: null, severity: null, counts: emptyCounts(), criticalNonCompliant: 0, securityNonCompliant: 0, otherNonCompliant: 0, overdue: 0, nextDueAt: null, reason: out.reason };
        }
        const r = out.result;
        return {
          ...common,
          status: r.status,
          complianceLevel: r.complianceLevel,
          severity: r.severity,
          counts: r.counts,
          criticalNonCompliant: r.criticalNonCompliant,
          securityNonCompliant: r.securityNonCompliant,
          otherNonCompliant: r.otherNonCompliant,
          overdue: r.overdue,
          nextDueAt: nextDue(r.states),
          reason: null,
        };
      };
      const historyOf = (rec: NodeComplianceRecord, out: ReturnType<typeof run>): HistoryRecord => ({
        id: newId('chist'),
        nodeId: rec.nodeId,
        accountId: rec.accountId,
        at: nowIso,
        operation: rec.operation,
        commandId: rec.commandId,
        baselineId: rec.baselineId,
        baselineVersion: rec.baselineVersion,
        baselineSource: rec.baselineSource,
        snapshotId: rec.snapshotId,
        status: rec.status,
        complianceLevel: rec.complianceLevel,
        severity: rec.severity,
        counts: rec.counts,
        overdue: rec.overdue,
        missing: 'result' in out ? namesIn(out.result.states, 'MISSING') : [],
        failed: 'result' in out ? namesIn(out.result.states, 'FAILED') : [],
        reason: rec.reason,
      });

      const eff = effective.get(node.id);
      const out = run(eff);
      const record = toRecord(out, eff);
      if (record.status === 'UNKNOWN') unknown += 1;
      records.push(record);
      states.push({ nodeId: node.id, accountId: node.accountId, states: 'result' in out ? out.result.states : [] });
      const overrideEff = override?.get(node.id);
      if (overrideEff !== undefined) {
        // The operation's own baseline: history only (marked override); the current state stays the effective baseline's.
        const oOut = run(overrideEff);
        const oRec = toRecord(oOut, overrideEff);
        history.push(historyOf({ ...oRec, baselineSource: 'override', baselineId: oRec.baselineId ?? facts.baselineOverrideId ?? null }, oOut));
        if (!sameOutcome(current.get(node.id), record)) history.push(historyOf({ ...record, operation: 'Reevaluation' }, out));
      } else if (always || !sameOutcome(current.get(node.id), record)) {
        history.push(historyOf(record, out));
      }
    }
    lap('evaluate');
    await store.transaction(async (tx) => {
      await tx.compliance.replaceStates(states, nowIso, prior);
      await tx.compliance.upsertCompliance(records);
      await tx.compliance.appendHistory(history);
      await tx.compliance.upsertDaily(nowIso.slice(0, 10), [...new Set(records.map((r) => r.accountId))]);
    });
    lap('write');
    this.deps.logger.debug({ nodes: records.length, phases }, 'compliance chunk evaluated');
    return { evaluated: records.length, unknown, historyEntries: history.length };
  }

  /** Every registered node (the benchmark; an operator's full refresh). */
  async evaluateFleet(): Promise<EvaluationReport> {
    return this.evaluateNodes(await this.deps.store.compliance.registeredNodeIds(), { operation: 'Reevaluation' });
  }

  /**
   * Re-evaluates stale nodes (and nodes with an inventory never evaluated), after marking stale the
   * nodes whose next SLA due date has passed. Returns how many were evaluated.
   */
  async reevaluateStale(limit = 5000): Promise<EvaluationReport> {
    const { compliance } = this.deps.store;
    const nowIso = this.deps.clock().toISOString();
    // Advisories imported or synced since the last run (by the server or `patchwarden advisories import`): every node again.
    const stamp = await compliance.advisoryStamp();
    const seen = await compliance.marker(ADVISORY_MARKER);
    if (seen !== stamp) {
      await this.deps.store.transaction(async (tx) => {
        if (seen !== undefined) await tx.compliance.markStale('all');
        await tx.compliance.setMarker(ADVISORY_MARKER, stamp, nowIso);
      });
    }
    await compliance.markDueStale(nowIso);
    const ids = await this.deps.store.compliance.staleNodeIds(limit);
    return this.evaluateNodes(ids, { operation: 'Reevaluation' });
  }
}
