import { readableAccounts, type AccountAction } from '../../domain/access.js';
import { evaluatePatch, type PatchCandidate } from '../../domain/baselines/approval.js';
import { OPERATING_SYSTEMS, baselineRulesOf, type Baseline as BaselineModel, type BaselineRules, type OperatingSystem } from '../../domain/baselines/model.js';
import { operatingSystemOf, patchGroupOf, productsOf } from '../../domain/baselines/precedence.js';
import { PREDEFINED_BASELINES, predefinedBaselineFor } from '../../domain/baselines/predefined.js';
import { validateBaselineRules, type ValidationIssue } from '../../domain/baselines/validate.js';
import { AppError } from '../../domain/errors.js';
import { matchesTagFilters } from '../../domain/targets.js';
import type {
  Baseline,
  BaselinePreview,
  CreateBaselineRequest,
  DefaultBaseline,
  NodeBaseline,
  PatchGroupBaseline,
  PreviewBaselineRequest,
  PreviewNode,
  PreviewPatch,
  UpdateBaselineRequest,
} from '../../contracts/api.js';
import { isUniqueViolation, newId, type BaselineRecord, type NodeRecord, type Page, type PageRequest } from '../../store/index.js';
import { markComplianceStale } from './compliance-invalidation.js';
import { auditEntry, principalOf, requireAccountAccess, requireObjectAccess, type RequestContext, type ServiceDeps } from './context.js';
import { precedenceChain, precedenceInputs, predefinedBaseline, resolveFromInputs } from './effective-baseline.js';
import { loadPatchCandidates } from './patch-candidates.js';

export interface BaselineListQuery extends PageRequest {
  accountId?: string | undefined;
  operatingSystem?: OperatingSystem | undefined;
  q?: string | undefined;
  predefined?: boolean | undefined;
}

/** The most nodes one preview evaluates. */
export const PREVIEW_MAX_NODES = 1000;

function toView(b: BaselineModel | BaselineRecord): Baseline {
  const meta = 'createdAt' in b ? b : undefined;
  return {
    id: b.id,
    accountId: b.accountId,
    name: b.name,
    description: b.description,
    predefined: b.predefined,
    version: b.version,
    operatingSystem: b.operatingSystem,
    globalFilters: b.globalFilters,
    approvalRules: b.approvalRules,
    approvedPatches: b.approvedPatches,
    approvedPatchesComplianceLevel: b.approvedPatchesComplianceLevel,
    approvedPatchesEnableNonSecurity: b.approvedPatchesEnableNonSecurity,
    rejectedPatches: b.rejectedPatches,
    rejectedPatchesAction: b.rejectedPatchesAction,
    availableSecurityUpdatesComplianceStatus: b.availableSecurityUpdatesComplianceStatus,
    sources: b.sources,
    createdAt: meta?.createdAt ?? null,
    createdBy: meta?.createdBy ?? null,
    updatedAt: meta?.updatedAt ?? null,
    updatedBy: meta?.updatedBy ?? null,
  };
}

const rulesOf = baselineRulesOf;

/** Throws 400 `validation` listing every semantic problem of the rules (paths under `prefix`). */
function requireValidRules(rules: BaselineRules, prefix = ''): void {
  const issues: ValidationIssue[] = validateBaselineRules(rules);
  if (issues.length === 0) return;
  const details = issues.map((i) => ({ in: 'body', path: `${prefix}${i.path}`, message: i.message }));
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more problem${details.length > 2 ? 's' : ''}; each is listed in error.details)` : '';
  throw new AppError('validation', `Invalid baseline: ${first.path === '' ? '' : `${first.path}: `}${first.message}${more}.`, { details });
}

const sortKey: Record<string, (b: BaselineModel) => string> = {
  name: (b) => b.name,
  operatingSystem: (b) => `${b.operatingSystem}\u0000${b.name}`,
  createdAt: (b) => b.name,
  updatedAt: (b) => b.name,
};

/** Patch baselines, account defaults, patch groups, the effective baseline of a node and previews. */
export class BaselinesService {
  constructor(private readonly deps: ServiceDeps) {}

  private notFound(baselineId: string): AppError {
    return new AppError('not_found', `Baseline "${baselineId}" does not exist or is not yours to see; list baselines with \`patchwarden baselines list\`.`);
  }

  /** A baseline the caller may do `action` with: predefined ones everyone reads; others by their account. */
  private async baseline(ctx: RequestContext, baselineId: string, action: AccountAction): Promise<BaselineModel | BaselineRecord> {
    principalOf(ctx);
    const predefined = predefinedBaseline(baselineId);
    if (predefined !== undefined) return predefined;
    const stored = await this.deps.store.baselines.get(baselineId);
    if (stored === undefined) throw this.notFound(baselineId);
    requireObjectAccess(ctx, stored.accountId, action, this.notFound(baselineId).message);
    return stored;
  }

  private async requireAccount(ctx: RequestContext, accountId: string, action: AccountAction): Promise<void> {
    requireAccountAccess(ctx, accountId, action);
    if ((await this.deps.store.accounts.get(accountId)) === undefined) {
      throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    }
  }

  /**
   * The baseline an account may register (as default or for a patch group) for `os`: predefined,
   * or one of the account's own, written for that OS.
   */
  private async registrable(accountId: string, os: OperatingSystem, baselineId: string): Promise<BaselineModel> {
    const baseline = predefinedBaseline(baselineId) ?? (await this.deps.store.baselines.get(baselineId));
    if (baseline === undefined || (baseline.accountId !== null && baseline.accountId !== accountId)) {
      throw new AppError('not_found', `Baseline "${baselineId}" is neither predefined nor a baseline of account "${accountId}"; list them with \`patchwarden baselines list --account ${accountId}\`.`);
    }
    if (baseline.operatingSystem !== os) {
      throw new AppError('validation', `Baseline "${baseline.name}" (${baselineId}) is written for ${baseline.operatingSystem}, not ${os}; choose a ${os} baseline.`, {
        details: [{ in: 'body', path: 'baselineId', message: `the baseline is for ${baseline.operatingSystem}, the path names ${os}` }],
      });
    }
    return baseline;
  }

  async list(ctx: RequestContext, query: BaselineListQuery): Promise<Page<Baseline>> {
    const accounts = readableAccounts(principalOf(ctx));
    const term = query.q?.toLowerCase();
    const desc = query.sort.startsWith('-');
    const key = sortKey[desc ? query.sort.slice(1) : query.sort] ?? sortKey.name!;
    const predefined =
      query.predefined === false
        ? []
        : PREDEFINED_BASELINES.filter(
            (b) =>
              (query.operatingSystem === undefined || b.operatingSystem === query.operatingSystem) &&
              (term === undefined || b.name.toLowerCase().includes(term) || b.description.toLowerCase().includes(term)),
          ).sort((a, b) => (desc ? -1 : 1) * key(a).localeCompare(key(b)));
    // Predefined baselines first, then the stored ones: the window is cut across both.
    const fromPredefined = predefined.slice(query.offset, query.offset + query.limit);
    if (query.predefined === true) return { items: fromPredefined.map(toView), total: predefined.length, limit: query.limit, offset: query.offset };
    const storedOffset = Math.max(0, query.offset - predefined.length);
    const storedLimit = query.limit - fromPredefined.length;
    const stored = await this.deps.store.baselines.list(
      { accounts, accountId: query.accountId, operatingSystem: query.operatingSystem, q: query.q },
      { limit: Math.max(1, storedLimit), offset: storedOffset, sort: query.sort },
    );
    const items = [...fromPredefined.map(toView), ...(storedLimit > 0 ? stored.items.map(toView) : [])];
    return { items, total: predefined.length + stored.total, limit: query.limit, offset: query.offset };
  }

  async get(ctx: RequestContext, baselineId: string): Promise<Baseline> {
    return toView(await this.baseline(ctx, baselineId, 'read'));
  }

  async create(ctx: RequestContext, accountId: string, input: CreateBaselineRequest): Promise<Baseline> {
    await this.requireAccount(ctx, accountId, 'manage');
    const principal = principalOf(ctx);
    requireValidRules(rulesOf(input));
    const now = this.deps.clock().toISOString();
    const record: BaselineRecord = {
      ...rulesOf(input),
      id: newId('pb'),
      accountId,
      name: input.name,
      description: input.description,
      predefined: false,
      version: 1,
      createdAt: now,
      createdBy: principal.username,
      updatedAt: now,
      updatedBy: principal.username,
    };
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.baselines.insert(record);
        // A new baseline applies to no node until it is registered: nothing to re-evaluate.
        await tx.audit.append(
          auditEntry(ctx, this.deps.clock(), { action: 'baseline.create', targetType: 'baseline', targetId: record.id, accountId, details: { name: record.name, operatingSystem: record.operatingSystem } }),
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `Account "${accountId}" has a baseline named "${input.name}" already; choose another name.`, { cause: err });
      throw err;
    }
    return toView(record);
  }

  async update(ctx: RequestContext, baselineId: string, patch: UpdateBaselineRequest): Promise<Baseline> {
    const current = await this.baseline(ctx, baselineId, 'manage');
    if (!('createdAt' in current)) {
      throw new AppError(
        'conflict',
        `Predefined baselines cannot be changed; copy it with \`patchwarden baselines create --from ${baselineId} --account <account> --file changes.yaml\` and register the copy.`,
      );
    }
    const principal = principalOf(ctx);
    const next: BaselineRecord = {
      ...current,
      ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)),
      updatedAt: this.deps.clock().toISOString(),
      updatedBy: principal.username,
    };
    requireValidRules(rulesOf(next));
    try {
      await this.deps.store.transaction(async (tx) => {
        if (!(await tx.baselines.update(next, current.version))) {
          throw new AppError('conflict', `Baseline "${baselineId}" was changed by someone else meanwhile (version ${current.version} is no longer the latest); show it again and retry.`);
        }
        await markComplianceStale(tx, { accountIds: [current.accountId] });
        await tx.audit.append(
          auditEntry(ctx, this.deps.clock(), {
            action: 'baseline.update',
            targetType: 'baseline',
            targetId: baselineId,
            accountId: current.accountId,
            details: { fields: Object.keys(patch).filter((k) => patch[k as keyof UpdateBaselineRequest] !== undefined), version: current.version + 1 },
          }),
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('conflict', `Account "${current.accountId}" has a baseline named "${patch.name ?? ''}" already; choose another name.`, { cause: err });
      throw err;
    }
    return toView({ ...next, version: current.version + 1 });
  }

  async delete(ctx: RequestContext, baselineId: string): Promise<void> {
    const current = await this.baseline(ctx, baselineId, 'manage');
    if (!('createdAt' in current)) throw new AppError('conflict', `Predefined baselines cannot be deleted; "${current.name}" stays the default wherever no other baseline is registered.`);
    await this.deps.store.transaction(async (tx) => {
      const usage = await tx.baselines.usage(baselineId);
      const uses = [
        ...usage.accountDefaults.map((d) => `the default for ${d.operatingSystem} of account "${d.accountId}" (\`patchwarden baselines default clear --account ${d.accountId} --os ${d.operatingSystem}\`)`),
        ...usage.patchGroups.map(
          (g) => `patch group "${g.patchGroup}" for ${g.operatingSystem} (\`patchwarden baselines groups deregister --account ${g.accountId} --group '${g.patchGroup}' --os ${g.operatingSystem}\`)`,
        ),
      ];
      if (uses.length > 0) {
        throw new AppError('conflict', `Baseline "${current.name}" (${baselineId}) is still used: ${uses.join('; ')}. Register another baseline there first, then delete it.`, { details: usage });
      }
      await tx.baselines.delete(baselineId);
      await markComplianceStale(tx, { accountIds: [current.accountId] });
      await tx.audit.append(auditEntry(ctx, this.deps.clock(), { action: 'baseline.delete', targetType: 'baseline', targetId: baselineId, accountId: current.accountId, details: { name: current.name, version: current.version } }));
    });
  }

  private async defaultView(accountId: string, os: OperatingSystem, registered?: { baselineId: string; updatedAt: string; updatedBy: string | null }): Promise<DefaultBaseline> {
    if (registered === undefined) {
      const p = predefinedBaselineFor(os);
      return { operatingSystem: os, baselineId: p.id, baselineName: p.name, predefined: true, registered: false, updatedAt: null, updatedBy: null };
    }
    const b = predefinedBaseline(registered.baselineId) ?? (await this.deps.store.baselines.get(registered.baselineId));
    return {
      operatingSystem: os,
      baselineId: registered.baselineId,
      baselineName: b?.name ?? '(deleted)',
      predefined: b?.predefined ?? false,
      registered: true,
      updatedAt: registered.updatedAt,
      updatedBy: registered.updatedBy,
    };
  }

  async defaults(ctx: RequestContext, accountId: string): Promise<{ items: DefaultBaseline[] }> {
    await this.requireAccount(ctx, accountId, 'read');
    const registered = await this.deps.store.baselines.defaultsOf([accountId]);
    const items: DefaultBaseline[] = [];
    for (const os of OPERATING_SYSTEMS) items.push(await this.defaultView(accountId, os, registered.find((r) => r.operatingSystem === os)));
    return { items };
  }

  async setDefault(ctx: RequestContext, accountId: string, os: OperatingSystem, baselineId: string): Promise<DefaultBaseline> {
    await this.requireAccount(ctx, accountId, 'manage');
    const principal = principalOf(ctx);
    const baseline = await this.registrable(accountId, os, baselineId);
    const now = this.deps.clock().toISOString();
    await this.deps.store.transaction(async (tx) => {
      const before = (await tx.baselines.defaultsOf([accountId])).find((r) => r.operatingSystem === os)?.baselineId ?? null;
      await tx.baselines.setDefault({ accountId, operatingSystem: os, baselineId, updatedAt: now, updatedBy: principal.username });
      await markComplianceStale(tx, { accountIds: [accountId] });
      await tx.audit.append(
        auditEntry(ctx, this.deps.clock(), { action: 'baseline.default.set', targetType: 'baseline', targetId: baselineId, accountId, details: { operatingSystem: os, before, after: baselineId, name: baseline.name } }),
      );
    });
    return this.defaultView(accountId, os, { baselineId, updatedAt: now, updatedBy: principal.username });
  }

  async clearDefault(ctx: RequestContext, accountId: string, os: OperatingSystem): Promise<DefaultBaseline> {
    await this.requireAccount(ctx, accountId, 'manage');
    const predefined = predefinedBaselineFor(os);
    await this.deps.store.transaction(async (tx) => {
      const before = (await tx.baselines.defaultsOf([accountId])).find((r) => r.operatingSystem === os)?.baselineId ?? null;
      const cleared = await tx.baselines.clearDefault(accountId, os);
      if (cleared) await markComplianceStale(tx, { accountIds: [accountId] });
      await tx.audit.append(
        auditEntry(ctx, this.deps.clock(), { action: 'baseline.default.clear', targetType: 'baseline', targetId: predefined.id, accountId, details: { operatingSystem: os, before, after: predefined.id, cleared } }),
      );
    });
    return this.defaultView(accountId, os);
  }

  private async groupViews(registrations: { patchGroup: string; operatingSystem: OperatingSystem; baselineId: string; updatedAt: string; updatedBy: string | null }[]): Promise<PatchGroupBaseline[]> {
    const stored = await this.deps.store.baselines.getMany(registrations.map((r) => r.baselineId).filter((id) => predefinedBaseline(id) === undefined));
    return registrations.map((r) => {
      const b = predefinedBaseline(r.baselineId) ?? stored.get(r.baselineId);
      return { patchGroup: r.patchGroup, operatingSystem: r.operatingSystem, baselineId: r.baselineId, baselineName: b?.name ?? '(deleted)', predefined: b?.predefined ?? false, updatedAt: r.updatedAt, updatedBy: r.updatedBy };
    });
  }

  async patchGroups(ctx: RequestContext, accountId: string, patchGroup?: string): Promise<{ items: PatchGroupBaseline[] }> {
    await this.requireAccount(ctx, accountId, 'read');
    return { items: await this.groupViews(await this.deps.store.baselines.patchGroupsOf(accountId, patchGroup)) };
  }

  async registerPatchGroup(ctx: RequestContext, accountId: string, patchGroup: string, os: OperatingSystem, baselineId: string): Promise<PatchGroupBaseline> {
    await this.requireAccount(ctx, accountId, 'manage');
    const principal = principalOf(ctx);
    const baseline = await this.registrable(accountId, os, baselineId);
    const registration = { accountId, patchGroup, operatingSystem: os, baselineId, updatedAt: this.deps.clock().toISOString(), updatedBy: principal.username };
    await this.deps.store.transaction(async (tx) => {
      const before = (await tx.baselines.patchGroupsOf(accountId, patchGroup)).find((r) => r.operatingSystem === os)?.baselineId ?? null;
      await tx.baselines.registerPatchGroup(registration);
      await markComplianceStale(tx, { accountIds: [accountId] });
      await tx.audit.append(
        auditEntry(ctx, this.deps.clock(), { action: 'patchgroup.register', targetType: 'baseline', targetId: baselineId, accountId, details: { patchGroup, operatingSystem: os, before, after: baselineId, name: baseline.name } }),
      );
    });
    return (await this.groupViews([registration]))[0]!;
  }

  async deregisterPatchGroup(ctx: RequestContext, accountId: string, patchGroup: string, os: OperatingSystem): Promise<void> {
    await this.requireAccount(ctx, accountId, 'manage');
    await this.deps.store.transaction(async (tx) => {
      const before = (await tx.baselines.patchGroupsOf(accountId, patchGroup)).find((r) => r.operatingSystem === os);
      if (before === undefined || !(await tx.baselines.deregisterPatchGroup(accountId, patchGroup, os))) {
        throw new AppError('not_found', `Patch group "${patchGroup}" has no baseline registered for ${os} in account "${accountId}"; list them with \`patchwarden baselines groups list --account ${accountId}\`.`);
      }
      await markComplianceStale(tx, { accountIds: [accountId] });
      await tx.audit.append(
        auditEntry(ctx, this.deps.clock(), { action: 'patchgroup.deregister', targetType: 'baseline', targetId: before.baselineId, accountId, details: { patchGroup, operatingSystem: os } }),
      );
    });
  }

  /** Which baseline applies to the node, and why, with every level of the precedence. */
  async nodeBaseline(ctx: RequestContext, nodeId: string): Promise<NodeBaseline> {
    principalOf(ctx);
    const hidden = `Node "${nodeId}" does not exist or is not yours to see; list nodes with \`patchwarden nodes list\`.`;
    const node = await this.deps.store.nodes.get(nodeId);
    if (node === undefined) throw new AppError('not_found', hidden);
    requireObjectAccess(ctx, node.accountId, 'read', hidden);
    const input = (await precedenceInputs(this.deps.store, [node])).get(nodeId)!;
    const effective = (await resolveFromInputs(this.deps.store, [node], new Map([[nodeId, input]]))).get(nodeId)!;
    const base = { nodeId, accountId: node.accountId, hostname: node.hostname, operatingSystem: input.os, products: productsOf(node.platform), patchGroup: input.patchGroup };
    if ('error' in effective) return { ...base, baseline: null, source: null, reason: effective.error, chain: precedenceChain(input, null) };
    const b = effective.baseline;
    return {
      ...base,
      baseline: { id: b.id, name: b.name, predefined: b.predefined, version: b.version, operatingSystem: b.operatingSystem },
      source: effective.choice.source,
      reason: effective.choice.reason,
      chain: precedenceChain(input, effective.choice.source),
    };
  }

  /** The nodes of the account a preview looks at (registered ones only), by hostname. */
  private async previewNodes(accountId: string, request: PreviewBaselineRequest): Promise<NodeRecord[]> {
    const all: NodeRecord[] = [];
    const now = this.deps.clock().toISOString();
    for (let offset = 0; ; offset += 500) {
      const page = await this.deps.store.nodes.list({ accounts: [accountId], accountId, onlineSince: now }, { limit: 500, offset, sort: 'hostname' });
      all.push(...page.items);
      if (page.items.length < 500) break;
    }
    if (request.nodeIds !== undefined) {
      const byId = new Map(all.map((n) => [n.id, n]));
      const missing = request.nodeIds.filter((id) => !byId.has(id));
      if (missing.length > 0) {
        throw new AppError('not_found', `No registered node ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''} in account "${accountId}"; list them with \`patchwarden nodes list --account ${accountId}\`.`);
      }
      return [...new Set(request.nodeIds)].map((id) => byId.get(id)!);
    }
    if (request.tags !== undefined) return all.filter((n) => matchesTagFilters(n.tags, request.tags!));
    if (request.patchGroup !== undefined) return all.filter((n) => patchGroupOf(n.tags) === request.patchGroup);
    return all;
  }

  /** What a baseline (saved or draft) approves on nodes of the account now; changes nothing. */
  async preview(ctx: RequestContext, accountId: string, request: PreviewBaselineRequest): Promise<BaselinePreview> {
    // Saved baselines are read; drafting rules is authoring, which needs the operator role.
    await this.requireAccount(ctx, accountId, request.rules === undefined ? 'read' : 'operate');
    let rules: BaselineRules;
    let ref: BaselinePreview['baseline'];
    if (request.rules !== undefined) {
      requireValidRules(request.rules, 'rules.');
      rules = rulesOf(request.rules);
      ref = { id: null, name: '(draft)', predefined: false, version: null, operatingSystem: rules.operatingSystem };
    } else {
      const baselineId = request.baselineId!;
      const b = predefinedBaseline(baselineId) ?? (await this.deps.store.baselines.get(baselineId));
      if (b === undefined || (b.accountId !== null && b.accountId !== accountId)) {
        throw new AppError('not_found', `Baseline "${baselineId}" is neither predefined nor a baseline of account "${accountId}"; list them with \`patchwarden baselines list --account ${accountId}\`.`);
      }
      rules = rulesOf(b);
      ref = { id: b.id, name: b.name, predefined: b.predefined, version: b.version, operatingSystem: b.operatingSystem };
    }
    const nodes = await this.previewNodes(accountId, request);
    if (nodes.length > PREVIEW_MAX_NODES) {
      throw new AppError('validation', `The preview selects ${nodes.length} nodes; it evaluates at most ${PREVIEW_MAX_NODES}: narrow it with nodeIds, tags or patchGroup.`);
    }
    const at = request.at === undefined ? this.deps.clock() : new Date(request.at);
    const applicable = nodes.filter((n) => operatingSystemOf(n.platform) === rules.operatingSystem);
    const candidates = applicable.length === 0 ? new Map<string, PatchCandidate[]>() : await loadPatchCandidates(this.deps.store, applicable.map((n) => n.id), { nodes: applicable, now: this.deps.clock() });
    const totals = { nodes: nodes.length, evaluated: applicable.length, notApplicable: nodes.length - applicable.length, updates: 0, approved: 0, pendingApproval: 0, notApprovedSecurity: 0, rejected: 0 };
    const results: PreviewNode[] = nodes.map((node) => {
      const os = operatingSystemOf(node.platform);
      const products = productsOf(node.platform);
      const counts = { updates: 0, approved: 0, pendingApproval: 0, notApprovedSecurity: 0, rejected: 0 };
      if (os !== rules.operatingSystem) {
        const reason = os === null ? `not applicable: the node's OS (${node.platform.osId} ${node.platform.version}) is not supported by patch baselines` : `not applicable: the node runs ${os}, the baseline is for ${rules.operatingSystem}`;
        return { nodeId: node.id, hostname: node.hostname, operatingSystem: os, products, applicable: false, reason, counts, approved: [], notApprovedSecurity: [] };
      }
      const approved: PreviewPatch[] = [];
      const notApprovedSecurity: PreviewPatch[] = [];
      for (const c of candidates.get(node.id) ?? []) {
        const a = evaluatePatch(rules, c, { now: at, products });
        const patch: PreviewPatch = {
          name: c.name,
          arch: c.arch,
          installedVersion: c.installedVersion,
          candidateVersion: c.candidateVersion,
          security: c.security,
          severity: c.severity,
          complianceLevel: a.complianceLevel,
          approvedAt: a.approvedAt,
          pendingUntil: a.pendingUntil,
          rejected: a.rejected,
          releaseDate: c.releaseDate,
          cves: c.cves,
          reason: a.reason,
        };
        counts.updates += 1;
        if (a.rejected) counts.rejected += 1;
        if (a.approved) {
          counts.approved += 1;
          approved.push(patch);
        } else {
          if (a.pendingUntil !== null) counts.pendingApproval += 1;
          if (c.security) {
            counts.notApprovedSecurity += 1;
            notApprovedSecurity.push(patch);
          }
        }
      }
      for (const k of Object.keys(counts) as (keyof typeof counts)[]) totals[k] += counts[k];
      return { nodeId: node.id, hostname: node.hostname, operatingSystem: os, products, applicable: true, reason: '', counts, approved, notApprovedSecurity };
    });
    return {
      baseline: ref,
      at: at.toISOString(),
      totals,
      nodes: { items: results.slice(request.offset, request.offset + request.limit), total: results.length, limit: request.limit, offset: request.offset },
    };
  }
}
