import { canManageOrganization, readableAccounts } from '../../domain/access.js';
import type { PatchCandidate } from '../../domain/baselines/approval.js';
import type { Baseline, OperatingSystem } from '../../domain/baselines/model.js';
import { productsOf } from '../../domain/baselines/precedence.js';
import { approvedItems, installListFor, type VersionCompare } from '../../domain/compliance/snapshot.js';
import { AppError } from '../../domain/errors.js';
import type { CreateSnapshotRequest, SnapshotDetail, SnapshotSummary } from '../../contracts/api.js';
import { newId, type NodeRecord, type Page, type PageRequest, type Repositories, type SnapshotItemRecord, type SnapshotRecord } from '../../store/index.js';
import { schemeForEcosystem } from '../../versioning/index.js';
import { auditEntry, principalOf, requireAccountAccess, requireObjectAccess, type Principal, type RequestContext, type ServiceDeps } from './context.js';
import { predefinedBaseline, resolveEffectiveBaselines, type EffectiveBaseline } from './effective-baseline.js';
import { loadPatchCandidates } from './patch-candidates.js';
import { resolveTargets } from './targets.js';

/**
 * The version order of an ecosystem for snapshots and install lists. A version the scheme cannot
 * parse compares equal to everything: it is never chosen over another nor installed over one.
 */
export function compareFor(ecosystem: string): VersionCompare {
  let scheme: ReturnType<typeof schemeForEcosystem> | undefined;
  try {
    scheme = schemeForEcosystem(ecosystem);
  } catch {
    scheme = undefined;
  }
  return (a, b) => {
    if (a === b) return 0;
    if (scheme === undefined) return 0;
    try {
      return scheme.compare(a, b);
    } catch {
      return 0;
    }
  };
}

/** The baseline an operation names explicitly (`baselineId`): stored in the account, or predefined. */
export async function explicitBaseline(repos: Repositories, accountId: string, baselineId: string): Promise<Baseline> {
  const baseline = predefinedBaseline(baselineId) ?? (await repos.baselines.get(baselineId));
  if (baseline === undefined || (baseline.accountId !== null && baseline.accountId !== accountId)) {
    throw new AppError('not_found', `Baseline "${baselineId}" does not exist in account "${accountId}"; list them with \`patchwarden baselines list --account ${accountId}\`.`);
  }
  return baseline;
}

/** The override of an operation: the explicit baseline for the nodes of its operating system. */
export function overrideOf(baseline: Baseline | undefined): { baselineIds: Partial<Record<OperatingSystem, string>> } | undefined {
  return baseline === undefined ? undefined : { baselineIds: { [baseline.operatingSystem]: baseline.id } };
}

function rulesOf(b: Baseline): unknown {
  const { id: _id, accountId: _a, name: _n, description: _d, predefined: _p, version: _v, ...rules } = b;
  return rules;
}

export interface FrozenSnapshot {
  snapshot: SnapshotRecord;
  items: SnapshotItemRecord[];
  effective: Map<string, EffectiveBaseline>;
}

/**
 * Freezes a snapshot of nodes: their effective baselines (the override for nodes of its OS) over
 * their pending updates, per baseline the highest approved version of each (ecosystem, package,
 * arch). Stored in `repos` (call it in the transaction that uses it).
 */
export async function freezeSnapshot(
  repos: Repositories,
  input: { accountId: string; nodes: readonly NodeRecord[]; override?: Baseline | undefined; description: string; createdBy: string | null; commandId: string | null; now: Date },
): Promise<FrozenSnapshot> {
  const effective = await resolveEffectiveBaselines(repos, input.nodes, overrideOf(input.override));
  const byBaseline = new Map<string, { baseline: Baseline; nodes: NodeRecord[] }>();
  for (const node of input.nodes) {
    const e = effective.get(node.id);
    if (e === undefined || 'error' in e) continue;
    const entry = byBaseline.get(e.baseline.id) ?? { baseline: e.baseline, nodes: [] };
    entry.nodes.push(node);
    byBaseline.set(e.baseline.id, entry);
  }
  const covered = [...byBaseline.values()].flatMap((b) => b.nodes.map((n) => n.id));
  const candidates = covered.length === 0 ? new Map<string, PatchCandidate[]>() : await loadPatchCandidates(repos, covered);
  const items: SnapshotItemRecord[] = [];
  const ordered = [...byBaseline.values()].sort((a, b) => (a.baseline.id < b.baseline.id ? -1 : 1));
  for (const { baseline, nodes } of ordered) {
    const approved = approvedItems(
      baseline,
      nodes.map((n) => ({ ecosystem: n.platform.ecosystem, products: productsOf(n.platform), candidates: candidates.get(n.id) ?? [] })),
      input.now,
      compareFor,
    );
    for (const a of approved) {
      items.push({
        baselineId: baseline.id,
        ecosystem: a.ecosystem,
        name: a.name,
        arch: a.arch,
        version: a.version,
        complianceLevel: a.complianceLevel,
        severity: a.severity,
        classification: a.classification,
        security: a.security,
        cves: a.cves,
        advisoryIds: a.advisoryIds,
      });
    }
  }
  const snapshot: SnapshotRecord = {
    id: newId('snap'),
    accountId: input.accountId,
    description: input.description,
    createdAt: input.now.toISOString(),
    createdBy: input.createdBy,
    commandId: input.commandId,
    baselines: ordered.map(({ baseline }) => ({ baselineId: baseline.id, name: baseline.name, version: baseline.version, rules: rulesOf(baseline) })),
    itemCount: items.length,
  };
  await repos.snapshots.insert(snapshot, items);
  return { snapshot, items, effective };
}

/**
 * What each node installs from a snapshot: the snapshot's items of the node's effective baseline
 * and ecosystem that upgrade an installed package. A node without a baseline, or whose baseline
 * the snapshot does not cover, gets an error saying so.
 */
export async function installListsFrom(
  repos: Repositories,
  snapshot: SnapshotRecord,
  items: readonly SnapshotItemRecord[],
  nodes: readonly NodeRecord[],
  effective: Map<string, EffectiveBaseline>,
): Promise<Map<string, { items: { name: string; arch: string; version: string }[] } | { error: string }>> {
  const installed = await repos.snapshots.installedOf(nodes.map((n) => n.id));
  const byKey = new Map<string, SnapshotItemRecord[]>();
  for (const it of items) {
    const k = `${it.baselineId}\u0000${it.ecosystem}`;
    const list = byKey.get(k) ?? [];
    list.push(it);
    byKey.set(k, list);
  }
  const coveredIds = new Set(snapshot.baselines.map((b) => b.baselineId));
  const out = new Map<string, { items: { name: string; arch: string; version: string }[] } | { error: string }>();
  for (const node of nodes) {
    const e = effective.get(node.id);
    if (e === undefined || 'error' in e) {
      out.set(node.id, { error: `no baseline applies to this node: ${e === undefined ? 'unknown node' : e.error}` });
      continue;
    }
    if (!coveredIds.has(e.baseline.id)) {
      const made = snapshot.baselines.map((b) => `${b.baselineId} (${b.name})`).join(', ') || 'no baseline';
      out.set(node.id, {
        error: `snapshot ${snapshot.id} lacks baseline ${e.baseline.id} (${e.baseline.name}), the effective baseline of this node; it was made from ${made}. Freeze a snapshot for these targets or install without --snapshot.`,
      });
      continue;
    }
    const list = byKey.get(`${e.baseline.id}\u0000${node.platform.ecosystem}`) ?? [];
    out.set(node.id, { items: installListFor(list, installed.get(node.id) ?? [], compareFor(node.platform.ecosystem)) });
  }
  return out;
}

/** Nodes by id (in bulk). */
export async function nodesById(repos: Repositories, ids: readonly string[]): Promise<NodeRecord[]> {
  return repos.nodes.getMany(ids);
}

/** Whether the principal may install from a snapshot of `snapshotAccountId` in `accountId` (same account; org-admin: any). */
export function maySnapshotBeUsed(principal: Principal, snapshotAccountId: string, accountId: string): boolean {
  return snapshotAccountId === accountId || canManageOrganization(principal);
}

function toSummary(s: SnapshotRecord): SnapshotSummary {
  return {
    id: s.id,
    accountId: s.accountId,
    description: s.description,
    createdAt: s.createdAt,
    createdBy: s.createdBy,
    commandId: s.commandId,
    baselines: s.baselines.map((b) => ({ baselineId: b.baselineId, name: b.name, version: b.version, rules: b.rules })),
    itemCount: s.itemCount,
  };
}

/** Patch snapshots: frozen on request or by an Install, listed, shown; never expire. */
export class SnapshotsService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(ctx: RequestContext, accountId: string, input: CreateSnapshotRequest): Promise<SnapshotSummary> {
    const principal = requireAccountAccess(ctx, accountId, 'operate');
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    const now = this.deps.clock();
    const snapshot = await this.deps.store.transaction(async (tx) => {
      const override = input.baselineId === undefined ? undefined : await explicitBaseline(tx, accountId, input.baselineId);
      const { nodeIds } = await resolveTargets(tx, accountId, input.targets);
      const nodes = await nodesById(tx, nodeIds);
      const frozen = await freezeSnapshot(tx, { accountId, nodes, override, description: input.description ?? '', createdBy: principal.username, commandId: null, now });
      const unserved = [...frozen.effective.entries()].filter(([, e]) => 'error' in e).length;
      await tx.audit.append(
        auditEntry(ctx, now, {
          action: 'snapshot.create',
          targetType: 'snapshot',
          targetId: frozen.snapshot.id,
          accountId,
          details: { targets: input.targets, nodes: nodeIds.length, nodesWithoutBaseline: unserved, baselines: frozen.snapshot.baselines.map((b) => b.baselineId), items: frozen.items.length },
        }),
      );
      return frozen.snapshot;
    });
    return toSummary(snapshot);
  }

  async list(ctx: RequestContext, query: PageRequest & { accountId?: string | undefined }): Promise<Page<SnapshotSummary>> {
    const page = await this.deps.store.snapshots.list({ accounts: readableAccounts(principalOf(ctx)), accountId: query.accountId }, query);
    return { ...page, items: page.items.map(toSummary) };
  }

  async get(ctx: RequestContext, snapshotId: string, query: { limit: number; offset: number; all?: boolean | undefined }): Promise<SnapshotDetail> {
    const hidden = `Snapshot "${snapshotId}" does not exist or is not yours to see; list snapshots with \`patchwarden snapshots list\`.`;
    principalOf(ctx);
    const snapshot = await this.deps.store.snapshots.get(snapshotId);
    if (snapshot === undefined) throw new AppError('not_found', hidden);
    requireObjectAccess(ctx, snapshot.accountId, 'read', hidden);
    const all = query.all === true;
    const items = await this.deps.store.snapshots.items(snapshotId, all ? undefined : { limit: query.limit, offset: query.offset });
    return {
      ...toSummary(snapshot),
      items: { items, total: snapshot.itemCount, limit: all ? snapshot.itemCount : query.limit, offset: all ? 0 : query.offset },
    };
  }
}
