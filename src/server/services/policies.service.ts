import { canManageOrganization } from '../../domain/access.js';
import type { OperatingSystem } from '../../domain/baselines/model.js';
import { AppError } from '../../domain/errors.js';
import { nextStarts, parseSchedule } from '../../domain/schedules.js';
import type { CreatePolicyRequest, PatchPolicy, UpdatePolicyRequest, WindowRun } from '../../contracts/api.js';
import { CreatePolicyRequest as CreatePolicySchema } from '../../contracts/policies.contract.js';
import { isUniqueViolation, newId, type Page, type PageRequest, type PolicyRecord, type Repositories, type ScopeNode } from '../../store/index.js';
import { auditEntry, forbid, principalOf, type RequestContext, type ServiceDeps } from './context.js';
import { markComplianceStale } from './compliance-invalidation.js';
import { governingPolicy, predefinedBaseline } from './effective-baseline.js';
import { runView } from './windows.service.js';

const MAX_POLICIES = 100;

/** The accounts whose compliance a policy change can move (the compliance job re-evaluates them). */
function staleScope(...policies: PolicyRecord[]): { accountIds: string[] } | 'all' {
  const ids = new Set<string>();
  for (const p of policies) {
    if (p.targets.accounts === 'all') return 'all';
    for (const a of p.targets.accounts) ids.add(a);
  }
  return { accountIds: [...ids] };
}

/** The registered nodes whose governing policy is `policyId` (what the compliance filter and the policy's scans/installs use). */
export async function nodesGovernedBy(repos: Repositories, policyId: string): Promise<ScopeNode[]> {
  const enabled = await repos.policies.listEnabled();
  const policy = enabled.find((p) => p.id === policyId);
  if (policy === undefined) return [];
  const nodes = await repos.policies.scopeNodes(policy.targets.accounts);
  return nodes.filter((n) => governingPolicy(enabled, n)?.id === policyId);
}

function next(schedule: string, timezone: string, now: Date, anchor: string): string | null {
  const parsed = parseSchedule(schedule);
  if (!parsed.ok) return null;
  return nextStarts(parsed.schedule, timezone, now, 1, { anchor: new Date(anchor) })[0]?.toISOString() ?? null;
}

function policyView(p: PolicyRecord, now: Date): PatchPolicy {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    enabled: p.enabled,
    priority: p.priority,
    baselines: p.baselines,
    scan: p.scan === null ? null : { ...p.scan, nextStart: p.enabled ? next(p.scan.schedule, p.scan.timezone, now, p.createdAt) : null },
    install: p.install === null ? null : { ...p.install, nextStart: p.enabled ? next(p.install.schedule, p.install.timezone, now, p.createdAt) : null },
    rebootOption: p.rebootOption,
    targets: p.targets.tags === undefined ? { accounts: p.targets.accounts } : { accounts: p.targets.accounts, tags: p.targets.tags },
    slaDays: p.slaDays,
    createdAt: p.createdAt,
    createdBy: p.createdBy,
    updatedAt: p.updatedAt,
  };
}

/**
 * The organization's patch policies: org-admins write them, every signed-in user reads them.
 * A node follows the enabled policy with the lowest priority that covers it; that policy's
 * baseline for the node's OS comes before patch groups and account defaults.
 */
export class PoliciesService {
  constructor(protected readonly deps: ServiceDeps) {}

  private requireOrgAdmin(ctx: RequestContext): string {
    const p = principalOf(ctx);
    if (!canManageOrganization(p)) forbid('Patch policies are organization-wide: changing them needs the org-admin role; ask an org-admin.');
    return p.username;
  }

  private async policy(id: string): Promise<PolicyRecord> {
    const p = await this.deps.store.policies.get(id);
    if (p === undefined) throw new AppError('not_found', `Patch policy "${id}" does not exist; list policies with \`patchwarden policies list\`.`);
    return p;
  }

  private async validate(input: ReturnType<typeof CreatePolicySchema.parse>): Promise<void> {
    for (const [os, id] of Object.entries(input.baselines) as [OperatingSystem, string][]) {
      const baseline = predefinedBaseline(id) ?? (await this.deps.store.baselines.get(id));
      if (baseline === undefined) throw new AppError('validation', `baselines.${os}: baseline "${id}" does not exist; list baselines with \`patchwarden baselines list\`.`);
      if (baseline.operatingSystem !== os) throw new AppError('validation', `baselines.${os}: baseline "${id}" is for ${baseline.operatingSystem}, not ${os}; give a ${os} baseline.`);
    }
    if (input.targets.accounts !== 'all') {
      for (const a of input.targets.accounts) {
        if ((await this.deps.store.accounts.get(a)) === undefined) throw new AppError('validation', `targets.accounts: account "${a}" does not exist; list accounts with \`patchwarden accounts list\`.`);
      }
    }
  }

  private conflict(input: { name: string; priority: number }): AppError {
    return new AppError('conflict', `A patch policy named "${input.name}" or with priority ${input.priority} exists already; names and priorities are unique, choose others.`);
  }

  private record(id: string, body: UpdatePolicyRequest, created: { at: string; by: string | null }, now: string): PolicyRecord {
    const input = CreatePolicySchema.parse(body);
    return {
      id,
      name: input.name,
      description: input.description ?? '',
      enabled: input.enabled,
      priority: input.priority,
      baselines: input.baselines,
      scan: input.scan ?? null,
      install: input.install ?? null,
      rebootOption: input.rebootOption,
      targets: input.targets.tags === undefined ? { accounts: input.targets.accounts } : { accounts: input.targets.accounts, tags: input.targets.tags },
      slaDays: Object.fromEntries(Object.entries(input.slaDays ?? {}).filter(([, v]) => v !== undefined)),
      createdAt: created.at,
      createdBy: created.by,
      updatedAt: now,
    };
  }

  async list(ctx: RequestContext, page: PageRequest): Promise<Page<PatchPolicy>> {
    principalOf(ctx);
    const result = await this.deps.store.policies.list(page);
    const now = this.deps.clock();
    return { ...result, items: result.items.map((p) => policyView(p, now)) };
  }

  async get(ctx: RequestContext, id: string): Promise<PatchPolicy> {
    principalOf(ctx);
    return policyView(await this.policy(id), this.deps.clock());
  }

  async create(ctx: RequestContext, body: CreatePolicyRequest): Promise<PatchPolicy> {
    const by = this.requireOrgAdmin(ctx);
    await this.validate(CreatePolicySchema.parse(body));
    if ((await this.deps.store.policies.list({ limit: 1, offset: 0, sort: 'priority' })).total >= MAX_POLICIES) {
      throw new AppError('conflict', `The organization has ${MAX_POLICIES} patch policies, the most it may have; delete unused ones first.`);
    }
    const now = this.deps.clock();
    const policy = this.record(newId('pp'), body, { at: now.toISOString(), by }, now.toISOString());
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.policies.insert(policy);
        await markComplianceStale(tx, staleScope(policy));
        await tx.audit.append(auditEntry(ctx, now, { action: 'policy.create', targetType: 'policy', targetId: policy.id, details: { name: policy.name, priority: policy.priority, baselines: policy.baselines, targets: policy.targets } }));
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.conflict(policy);
      throw err;
    }
    return policyView(policy, now);
  }

  async update(ctx: RequestContext, id: string, body: UpdatePolicyRequest): Promise<PatchPolicy> {
    this.requireOrgAdmin(ctx);
    const before = await this.policy(id);
    await this.validate(CreatePolicySchema.parse(body));
    const now = this.deps.clock();
    const after = this.record(id, body, { at: before.createdAt, by: before.createdBy }, now.toISOString());
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.policies.update(after);
        await markComplianceStale(tx, staleScope(before, after));
        await tx.audit.append(
          auditEntry(ctx, now, { action: 'policy.update', targetType: 'policy', targetId: id, details: { before: { ...before, createdAt: undefined, updatedAt: undefined }, after: { ...after, createdAt: undefined, updatedAt: undefined } } }),
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.conflict(after);
      throw err;
    }
    return policyView(after, now);
  }

  async delete(ctx: RequestContext, id: string): Promise<void> {
    this.requireOrgAdmin(ctx);
    const policy = await this.policy(id);
    await this.deps.store.transaction(async (tx) => {
      await tx.policies.delete(id);
      await markComplianceStale(tx, staleScope(policy));
      await tx.audit.append(auditEntry(ctx, this.deps.clock(), { action: 'policy.delete', targetType: 'policy', targetId: id, details: { name: policy.name, priority: policy.priority } }));
    });
  }

  async runs(ctx: RequestContext, id: string, page: PageRequest): Promise<Page<WindowRun>> {
    const p = principalOf(ctx);
    if (p.orgRole === null) forbid('Policy runs span accounts: reading them needs the org-admin or org-auditor role.');
    await this.policy(id);
    const result = await this.deps.store.windows.listRuns(id, page, ['policy-scan', 'policy-install']);
    return { ...result, items: result.items.map(runView) };
  }
}
