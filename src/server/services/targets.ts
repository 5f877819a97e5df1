import { AppError } from '../../domain/errors.js';
import { matchesTagFilters, type TagFilter } from '../../domain/targets.js';
import type { Targets } from '../../contracts/api.js';
import type { Repositories } from '../../store/index.js';

/** How targets were resolved: the node ids (sorted) and what each kind of target matched. */
export interface ResolvedTargets {
  nodeIds: string[];
}

/**
 * Resolves targets to the registered nodes of the account, now: the union of the node ids given
 * (each must be registered in the account), the nodes matching every tag filter (AND-ed; values
 * OR-ed; `*` any value), the nodes of each resource group (its filters evaluated now) and, with
 * `allNodes`, every node. Deregistered nodes are never targets. Zero nodes is an error that says
 * what was asked.
 */
export async function resolveTargets(repos: Repositories, accountId: string, targets: Targets): Promise<ResolvedTargets> {
  const out = new Set<string>();
  if (targets.nodeIds !== undefined) {
    const ids = [...new Set(targets.nodeIds)];
    const registered = await repos.resourceGroups.registeredAmong(accountId, ids);
    for (const id of ids) {
      if (registered.has(id)) continue;
      const node = await repos.nodes.get(id);
      if (node === undefined || node.accountId !== accountId) {
        throw new AppError('not_found', `Node "${id}" is not registered in account "${accountId}"; list them with \`patchwarden nodes list --account ${accountId}\`.`);
      }
      throw new AppError('conflict', `Node "${id}" is deregistered; it cannot receive commands (leave it out of the targets).`);
    }
    for (const id of ids) out.add(id);
  }
  const filterSets: { what: string; filters: TagFilter[] }[] = [];
  if (targets.tags !== undefined) filterSets.push({ what: 'tags', filters: targets.tags });
  for (const groupId of [...new Set(targets.resourceGroupIds ?? [])]) {
    const group = await repos.resourceGroups.get(groupId);
    if (group === undefined || group.accountId !== accountId) {
      throw new AppError('not_found', `Resource group "${groupId}" does not exist in account "${accountId}"; list them with \`patchwarden groups list --account ${accountId}\`.`);
    }
    filterSets.push({ what: `group ${group.name}`, filters: group.tagFilters });
  }
  if (filterSets.length > 0 || targets.allNodes === true) {
    const nodes = await repos.resourceGroups.registeredNodes(accountId);
    for (const n of nodes) {
      if (targets.allNodes === true || filterSets.some((s) => matchesTagFilters(n.tags, s.filters))) out.add(n.id);
    }
  }
  if (out.size === 0) {
    throw new AppError('validation', `The targets match no registered node of account "${accountId}" (${describeTargets(targets)}); check the tags with \`patchwarden nodes list --account ${accountId}\`.`);
  }
  return { nodeIds: [...out].sort() };
}

/** The targets in words: `tags Env=prod AND Role=web|db, group rg_…, all nodes`. */
export function describeTargets(t: Targets): string {
  const parts: string[] = [];
  if (t.nodeIds !== undefined) parts.push(`${t.nodeIds.length} node id(s)`);
  if (t.tags !== undefined) parts.push(`tags ${t.tags.map((f) => `${f.key}=${f.values.join('|')}`).join(' AND ')}`);
  if (t.resourceGroupIds !== undefined) parts.push(`group(s) ${t.resourceGroupIds.join(', ')}`);
  if (t.allNodes === true) parts.push('all nodes');
  return parts.join(', ');
}
