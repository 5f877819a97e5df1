import { AppError } from '../../domain/errors.js';
import { matchesTagFilters } from '../../domain/targets.js';
import type { CreateResourceGroupRequest, ResourceGroup, TargetNode, UpdateResourceGroupRequest } from '../../contracts/api.js';
import { isUniqueViolation, newId, type Page, type PageRequest, type ResourceGroupRecord } from '../../store/index.js';
import { auditEntry, requireAccountAccess, type RequestContext, type ServiceDeps } from './context.js';

/** At most this many resource groups per account. */
const MAX_GROUPS = 500;

function toGroup(g: ResourceGroupRecord): ResourceGroup {
  return { ...g };
}

/**
 * Resource groups: saved tag queries of an account, evaluated whenever a command or snapshot uses
 * them (never a stored list of nodes). Viewers read them; they choose what commands reach, so
 * changing them needs the admin role.
 */
export class ResourceGroupsService {
  constructor(private readonly deps: ServiceDeps) {}

  private async group(ctx: RequestContext, accountId: string, groupId: string, action: 'read' | 'manage'): Promise<ResourceGroupRecord> {
    requireAccountAccess(ctx, accountId, action);
    const group = await this.deps.store.resourceGroups.get(groupId);
    if (group === undefined || group.accountId !== accountId) {
      throw new AppError('not_found', `Resource group "${groupId}" does not exist in account "${accountId}"; list them with \`patchwarden groups list --account ${accountId}\`.`);
    }
    return group;
  }

  private nameTaken(accountId: string, name: string): AppError {
    return new AppError('conflict', `Account "${accountId}" has a resource group named "${name}" already; choose another name.`);
  }

  async list(ctx: RequestContext, accountId: string, page: PageRequest): Promise<Page<ResourceGroup>> {
    requireAccountAccess(ctx, accountId, 'read');
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    const result = await this.deps.store.resourceGroups.list(accountId, page);
    return { ...result, items: result.items.map(toGroup) };
  }

  async get(ctx: RequestContext, accountId: string, groupId: string): Promise<ResourceGroup> {
    return toGroup(await this.group(ctx, accountId, groupId, 'read'));
  }

  async create(ctx: RequestContext, accountId: string, input: CreateResourceGroupRequest): Promise<ResourceGroup> {
    const principal = requireAccountAccess(ctx, accountId, 'manage');
    if ((await this.deps.store.accounts.get(accountId)) === undefined) throw new AppError('not_found', `Account "${accountId}" does not exist or is not yours to see.`);
    if ((await this.deps.store.resourceGroups.countOf(accountId)) >= MAX_GROUPS) {
      throw new AppError('conflict', `Account "${accountId}" has ${MAX_GROUPS} resource groups, the most it may have; delete unused ones first.`);
    }
    const now = this.deps.clock().toISOString();
    const group: ResourceGroupRecord = {
      id: newId('rg'),
      accountId,
      name: input.name,
      description: input.description ?? '',
      tagFilters: input.tagFilters,
      createdAt: now,
      createdBy: principal.username,
      updatedAt: now,
    };
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.resourceGroups.insert(group);
        await tx.audit.append(
          auditEntry(ctx, this.deps.clock(), { action: 'resourcegroup.create', targetType: 'resourcegroup', targetId: group.id, accountId, details: { name: group.name, tagFilters: group.tagFilters } }),
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.nameTaken(accountId, group.name);
      throw err;
    }
    return toGroup(group);
  }

  async update(ctx: RequestContext, accountId: string, groupId: string, input: UpdateResourceGroupRequest): Promise<ResourceGroup> {
    const before = await this.group(ctx, accountId, groupId, 'manage');
    const after: ResourceGroupRecord = {
      ...before,
      name: input.name ?? before.name,
      description: input.description ?? before.description,
      tagFilters: input.tagFilters ?? before.tagFilters,
      updatedAt: this.deps.clock().toISOString(),
    };
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.resourceGroups.update(after);
        await tx.audit.append(
          auditEntry(ctx, this.deps.clock(), {
            action: 'resourcegroup.update',
            targetType: 'resourcegroup',
            targetId: groupId,
            accountId,
            details: { before: { name: before.name, description: before.description, tagFilters: before.tagFilters }, after: { name: after.name, description: after.description, tagFilters: after.tagFilters } },
          }),
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw this.nameTaken(accountId, after.name);
      throw err;
    }
    return toGroup(after);
  }

  async delete(ctx: RequestContext, accountId: string, groupId: string): Promise<void> {
    const group = await this.group(ctx, accountId, groupId, 'manage');
    await this.deps.store.transaction(async (tx) => {
      await tx.resourceGroups.delete(groupId);
      await tx.audit.append(auditEntry(ctx, this.deps.clock(), { action: 'resourcegroup.delete', targetType: 'resourcegroup', targetId: groupId, accountId, details: { name: group.name, tagFilters: group.tagFilters } }));
    });
  }

  /** The registered nodes the group matches now (a page, sorted by hostname or id). */
  async nodes(ctx: RequestContext, accountId: string, groupId: string, page: PageRequest): Promise<Page<TargetNode>> {
    const group = await this.group(ctx, accountId, groupId, 'read');
    const matching = (await this.deps.store.resourceGroups.registeredNodes(accountId)).filter((n) => matchesTagFilters(n.tags, group.tagFilters));
    const records = await this.deps.store.nodes.getMany(matching.map((n) => n.id));
    const desc = page.sort.startsWith('-');
    const field = desc ? page.sort.slice(1) : page.sort;
    const key = (n: (typeof records)[number]) => (field === 'id' ? n.id : `${n.hostname}\u0000${n.id}`);
    records.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0) * (desc ? -1 : 1));
    const window = records.slice(page.offset, page.offset + page.limit);
    return {
      items: window.map((n) => ({ id: n.id, hostname: n.hostname, osId: n.platform.osId, osVersion: n.platform.version, tags: n.tags })),
      total: records.length,
      limit: page.limit,
      offset: page.offset,
    };
  }
}
